/**
 * Moves loop-invariant values out of counted loops: an unnamed value a `for` body computes from
 * values defined before the loop (`xCentered[i]` inside a loop over j) is computed once, just
 * before the loop. Besides the work, this saves storage: the reverse sweep records what each
 * iteration computes, and a value computed before the loop is recorded once, or not at all.
 *
 * Accepts a verified primal IRFunction; changes it in place, keeping it verified. The gradient
 * gets a second, narrower pass, `hoistReverseRowReads`.
 *
 * Only ops that compute a value from their operands move (see `effects.ts`), inner loops first,
 * so that a value invariant in several loops leaves them all. A read moves only when the loop
 * changes no element of its array, and only from an array that cannot be missing: computed
 * before a loop that runs no iteration, `rows[k][j]` with no row k would throw where the loop
 * did not. Values the user named stay where the user wrote them. A moved value the place it moves
 * to already computes (the loop's bound read the same row) becomes a use of that one.
 */
import { reverseHints } from "../backend/naming.js";
import { at, operandOf, resultOf } from "../ir/access.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import type { GradientIR } from "../reverse/reverse.js";
import { isIndexArithmetic, readsArray } from "../ir/op-definitions.js";
import { definingOps, forEachOp, replaceUses, valuesDefinedIn } from "../ir/walk.js";
import { AvailableValues, changedArrays, computesValue } from "./effects.js";

export function hoistLoopInvariants(fn: IRFunction): void {
  hoistOutOfLoops(fn, fn.body.ops, () => true);
}

/**
 * Moves the rows the reverse sweep reads out of its loops: the sweep reads a row again where it
 * needs it (`dl[ik][j] += ...` in a loop over j), and V8 does not reliably keep a row of a plain
 * array in a register across the typed-array writes of the loop, so `const dlk = dl[ik]` before
 * the loop is what one writes by hand. The integer arithmetic of a row's index moves with it
 * (`dW[2 * layer + 1]`, recomputed where the row is read). Only the reverse sweep: the forward
 * sweep's rows moved with the primal's values. Reading a row never throws (a missing row is
 * `undefined`), so a row may move out of a loop that runs no iteration.
 */
export function hoistReverseRowReads(gradient: GradientIR): void {
  const reverse = gradient.fn.body.ops.slice(gradient.forwardOpCount);
  const definitions = definingOps(gradient.fn.body);
  const indexArithmetic = new Set<Op>();
  const collectIndex = (value: Value): void => {
    const op = definitions.get(value);
    if (!op || !isIndexArithmetic(op) || indexArithmetic.has(op)) return;
    indexArithmetic.add(op);
    op.operands.forEach(collectIndex);
  };
  forEachOp(reverse, (op) => {
    if (op.opcode === "array.row") collectIndex(operandOf(op, 1));
  });
  const movable = (op: Op) => op.opcode === "array.row" || indexArithmetic.has(op);
  const moved = hoistOutOfLoops(gradient.fn, reverse, movable);
  // Placed under the comment of the outermost loop it left; a row is named after its array (`dlRow`).
  for (const [op, loop] of moved) {
    if (resultOf(op).name !== undefined) continue;
    if (loop.loc) op.loc = loop.loc;
    const array = op.opcode === "array.row" ? operandOf(op, 0).name : undefined;
    if (array !== undefined) resultOf(op).name = reverseHints.row(array);
  }
}

/**
 * Moves the ops `movable` accepts out of the counted loops among `ops` and nested in them.
 * Returns each op moved with the outermost loop it left.
 */
function hoistOutOfLoops(fn: IRFunction, ops: readonly Op[], movable: (op: Op) => boolean): Map<Op, Op> {
  const leftLoop = new Map<Op, Op>();
  const definitions = definingOps(fn.body);
  const fromRow = (array: Value) => definitions.get(array)?.opcode === "array.row";

  const hoistOutOf = (loop: Op, region: Region, available: AvailableValues): void => {
    const body = at(loop.regions, 0, "region of 'for'");
    const inside = valuesDefinedIn(body);
    const changed = changedArrays(loop);
    const invariant = (candidate: Op) =>
      movable(candidate) &&
      computesValue(candidate) &&
      resultOf(candidate).name === undefined &&
      candidate.operands.every((v) => !inside.has(v)) &&
      (!readsArray(candidate) ||
        (!changed.has(operandOf(candidate, 0)) &&
          (candidate.opcode === "array.row" || !fromRow(operandOf(candidate, 0)))));
    // Hoisting one op can make later ones invariant: they read only what moved. A moved op
    // computing what the loop's region already has before the loop (its bound read the same
    // row), or what another moved op computes, becomes a use of that value.
    const replacement = new Map<Value, Value>();
    const moved: Op[] = [];
    body.ops = body.ops.filter((candidate) => {
      if (!invariant(candidate)) return true;
      inside.delete(resultOf(candidate));
      candidate.operands = candidate.operands.map((v) => replacement.get(v) ?? v);
      // (an op that may not move stays where it is, and would hold back the ops using it)
      const same = available.get(candidate);
      if (same && movable(same)) {
        replacement.set(resultOf(candidate), resultOf(same));
        if (!leftLoop.has(same)) leftLoop.set(same, loop);
        return false;
      }
      available.add(candidate);
      moved.push(candidate);
      leftLoop.set(candidate, loop);
      return false;
    });
    if (replacement.size > 0) replaceUses(body, replacement);
    region.ops.splice(region.ops.indexOf(loop), 0, ...moved);
  };
  // Inner loops first, so that a value invariant in several loops leaves them all.
  const visit = (region: Region, among: readonly Op[]): void => {
    const available = new AvailableValues();
    for (const op of [...among]) {
      op.regions.forEach((nested) => visit(nested, nested.ops));
      if (op.opcode === "for") hoistOutOf(op, region, available);
      available.add(op);
      available.forgetReadsOf(changedArrays(op));
    }
  };
  visit(fn.body, ops);
  return leftLoop;
}
