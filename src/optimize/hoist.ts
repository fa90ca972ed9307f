/**
 * Moves loop-invariant values out of counted loops: an unnamed value a `for` body computes from
 * values defined before the loop (`xCentered[i]` inside a loop over j) is computed once, just
 * before the loop. Besides the work, this saves storage: the reverse sweep records what each
 * iteration computes, and a value computed before the loop is recorded once, or not at all.
 *
 * Accepts a verified primal IRFunction; changes it in place, keeping it verified.
 *
 * Only ops that compute a value from their operands move (see `effects.ts`), inner loops first,
 * so that a value invariant in several loops leaves them all. A read moves only when the loop
 * changes no element of its array, and only from an array that cannot be missing: computed
 * before a loop that runs no iteration, `rows[k][j]` with no row k would throw where the loop
 * did not. Values the user named stay where the user wrote them.
 */
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { arrayReads, changedArrays, computesValue } from "./effects.js";

export function hoistLoopInvariants(fn: IRFunction): void {
  const definitions = new Map<Value, Op>();
  const define = (region: Region): void => {
    for (const op of region.ops) {
      op.results.forEach((r) => definitions.set(r, op));
      op.regions.forEach(define);
    }
  };
  define(fn.body);
  const fromRow = (array: Value) => definitions.get(array)?.opcode === "array.row";

  const visit = (region: Region): void => {
    for (const op of [...region.ops]) {
      op.regions.forEach(visit);
      if (op.opcode !== "for") continue;
      const body = op.regions[0]!;
      const inside = valuesDefinedIn(body);
      const changed = changedArrays(op);
      const invariant = (candidate: Op) =>
        computesValue(candidate) &&
        candidate.results[0]!.name === undefined &&
        candidate.operands.every((v) => !inside.has(v)) &&
        (!arrayReads.has(candidate.opcode) || (!changed.has(candidate.operands[0]!) && (candidate.opcode === "array.row" || !fromRow(candidate.operands[0]!))));
      // Hoisting one op can make later ones invariant: they read only what moved.
      const moved: Op[] = [];
      body.ops = body.ops.filter((candidate) => {
        if (!invariant(candidate)) return true;
        moved.push(candidate);
        inside.delete(candidate.results[0]!);
        return false;
      });
      region.ops.splice(region.ops.indexOf(op), 0, ...moved);
    }
  };
  visit(fn.body);
}

/** Every value a region defines: its parameters and the results of its ops, nested ones too. */
function valuesDefinedIn(region: Region, into = new Set<Value>()): Set<Value> {
  region.params.forEach((p) => into.add(p));
  for (const op of region.ops) {
    op.results.forEach((r) => into.add(r));
    op.regions.forEach((nested) => valuesDefinedIn(nested, into));
  }
  return into;
}
