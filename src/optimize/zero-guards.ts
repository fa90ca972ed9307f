/**
 * Skips a reverse-sweep loop that would add only zeros: a loop whose every effect adds into an
 * adjoint (`array.add`, `cell.add`) a value that is zero whenever some adjoints computed before
 * the loop are all zero (`dx[l] -= dsum * (2 * (p[l] - c[l]))` is zero when `dsum` is) runs
 * under `if (dsum !== 0)`. The adjoint of `Math.min` over many candidates is zero for all but
 * one, and the loop over each candidate's coordinates then runs once per point, not once per
 * candidate.
 *
 * The guarded loop added exact zeros, so the gradient is the same but for one case: where the
 * factor the adjoint multiplies is infinite or NaN, the skipped loop would have added NaN.
 *
 * A guard tests only adjoints that are piecewise constant in the function's parameters: made of
 * literals (the cotangent 1), comparisons' outcomes (`Math.min`'s adjoint is 1 or 0) and sums
 * and products of such. A derivative of the printed function (a differentiable function calling
 * it) then stays exact: where the guard skips, the skipped additions and their derivatives are
 * all zero. A guard on a value that varies with the parameters (a cotangent passed in, `y` in
 * `dx += y * ...`) would lose the derivative of what it skips with respect to that value.
 *
 * This runs on a function as it is printed, never on IR another transformation reads (forward
 * over reverse and nested derivatives differentiate the unguarded IR). Only the ops after the
 * forward sweep are guarded (the primal's own loops keep their exact effects, NaN included).
 */
import { operandOf, resultOf } from "../ir/access.js";
import { cellsWrittenIn, literalValues } from "../analysis/literals.js";
import { isPure } from "../ir/op-definitions.js";
import { primitive } from "../rules/primitives.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import type { GradientIR } from "../reverse/reverse.js";
import { definingOps, forEachOp, valuesDefinedIn, walk } from "../ir/walk.js";

/** `ir` with the loops of its ops after the forward sweep guarded where they add only zeros
 * when some adjoints are zero: a copy, or `ir` itself when no loop is. */
export function withZeroGuards(ir: GradientIR): GradientIR {
  if (!guardZeroAdditions(ir.fn, ir.forwardOpCount, false)) return ir;
  const guarded = structuredClone(ir);
  guardZeroAdditions(guarded.fn, guarded.forwardOpCount, true);
  return guarded;
}

/** Whether a loop of `fn`'s ops from `forwardOpCount` on adds only zeros when some adjoints are
 * zero; with `change`, each such loop is guarded, in place. */
function guardZeroAdditions(fn: IRFunction, forwardOpCount: number, change: boolean): boolean {
  const definitions = definingOps(fn.body);
  // (a literal, the cotangent 1 passed from cell to cell among them, is never worth a test)
  const literals = literalValues(fn);
  // What a guard tests: values the reverse sweep computes (adjoints, their tangents), not the
  // primal's, which are seldom zero.
  const computedInReverse = new Set<Value>();
  forEachOp(fn.body.ops.slice(forwardOpCount), (op) => {
    if (op.attrs.recomputed !== true) op.results.forEach((r) => computedInReverse.add(r));
  });
  const varying = valuesVaryingWith(fn);
  const testable = (v: Value) => computedInReverse.has(v) && !varying.has(v) && !literals.has(v);
  let nextId = largestId(fn) + 1;
  const value = (type: Value["type"]): Value => ({ id: nextId++, type });
  let found = false;
  const guardIn = (region: Region, from: number) => {
    for (let i = from; i < region.ops.length; i++) {
      const op = region.ops[i]!;
      op.regions.forEach((inner) => guardIn(inner, 0));
      const zeroWhen =
        op.opcode === "for" && op.results.length === 0 ? zeroWhenAll(op, definitions, testable) : undefined;
      if (zeroWhen === undefined || zeroWhen.length === 0) continue;
      found = true;
      if (!change) continue;
      const guard = guardOps(op, zeroWhen, value);
      region.ops.splice(i, 1, ...guard);
      i += guard.length - 1;
    }
  };
  guardIn(fn.body, forwardOpCount);
  return found;
}

/**
 * The values of `fn` that may vary with its parameters other than by jumps: everything but
 * literals, booleans, the results of primitives whose derivative is zero (`Math.floor`), sums,
 * products and choices (`select`) of such, and what cells and stacks holding only such give
 * back. A least fixed point: a cell or stack varies once anything written into it does.
 */
function valuesVaryingWith(fn: IRFunction): Set<Value> {
  const varying = new Set<Value>(fn.params.map((p) => p.value));
  const combining = new Set(["add", "sub", "mul", "div", "neg", "select", "min", "max"]);
  const writes = new Map<Value, Value[]>();
  forEachOp(fn.body.ops, (op) => {
    const written =
      op.opcode === "cell.new"
        ? [resultOf(op), operandOf(op, 0)]
        : op.opcode === "cell.set" || op.opcode === "cell.add" || op.opcode === "stack.push"
          ? [operandOf(op, 0), operandOf(op, 1)]
          : undefined;
    if (written) writes.set(written[0]!, [...(writes.get(written[0]!) ?? []), written[1]!]);
  });
  const variesBy = (op: Op): boolean => {
    if (op.opcode === "const" || op.opcode === "bool") return false;
    const p = primitive(op.opcode);
    if (p && (p.result === "boolean" || p.derivative.kind === "zero")) return false;
    if (combining.has(op.opcode)) return op.operands.some((v) => varying.has(v));
    if (op.opcode === "cell.read" || op.opcode === "stack.pop") return varying.has(operandOf(op, 0));
    if (op.opcode === "cell.new" || op.opcode === "stack.new")
      return (writes.get(resultOf(op)) ?? []).some((v) => varying.has(v));
    return true;
  };
  for (let changed = true; changed;) {
    changed = false;
    // (cells and stacks first take what is written into them anywhere)
    for (const [location, values] of writes)
      if (!varying.has(location) && values.some((v) => varying.has(v))) {
        varying.add(location);
        changed = true;
      }
    forEachOp(fn.body.ops, (op) => {
      for (const result of op.results)
        if (!varying.has(result) && variesBy(op)) {
          varying.add(result);
          changed = true;
        }
    });
    // (a region's parameters, loop counters and carried values, are taken to vary)
    walk(fn.body, {
      enterRegion: (r) =>
        r.params.forEach((param) => {
          if (!varying.has(param)) {
            varying.add(param);
            changed = true;
          }
        }),
    });
  }
  return varying;
}

/** The largest value id of `fn`, its parameters' included. */
function largestId(fn: IRFunction): number {
  let largest = Math.max(-1, ...fn.params.map((p) => p.value.id));
  walk(fn.body, {
    enterRegion: (r) => r.params.forEach((p) => (largest = Math.max(largest, p.id))),
    enterOp: (op) => op.results.forEach((r) => (largest = Math.max(largest, r.id))),
  });
  return largest;
}

/**
 * Numbers defined before `loop`, and cells the loop does not write, that `testable` accepts,
 * such that, when all of them are zero, everything the loop adds is zero; undefined when the loop does anything else
 * (writes an element, pops a stack, calls a function) or adds something not known to be zero so.
 */
function zeroWhenAll(
  loop: Op,
  definitions: ReadonlyMap<Value, Op>,
  testable: (v: Value) => boolean,
): Value[] | undefined {
  const inside = new Set(loop.regions.flatMap((r) => [...valuesDefinedIn(r)]));
  const loopOps = loop.regions.flatMap((r) => r.ops);
  const writtenCells = cellsWrittenIn(loopOps);
  const memo = new Map<Value, Set<Value> | undefined>();
  // The numbers defined outside whose being zero makes `v` zero (undefined: none known).
  const zeroWhen = (v: Value): Set<Value> | undefined => {
    if (!inside.has(v)) return v.type === "number" && testable(v) ? new Set([v]) : undefined;
    if (memo.has(v)) return memo.get(v);
    memo.set(v, undefined);
    const op = definitions.get(v);
    let found: Set<Value> | undefined;
    if (op?.opcode === "mul") {
      const [a, b] = op.operands.map(zeroWhen);
      found = a === undefined ? b : b === undefined || a.size <= b.size ? a : b;
    } else if (op?.opcode === "div" || op?.opcode === "neg") {
      found = zeroWhen(operandOf(op, 0));
    } else if (op?.opcode === "add" || op?.opcode === "sub") {
      const [a, b] = op.operands.map(zeroWhen);
      found = a === undefined || b === undefined ? undefined : new Set([...a, ...b]);
    } else if (op?.opcode === "cell.read") {
      // (a cell the loop does not write holds what it held before the loop)
      const cell = operandOf(op, 0);
      found = inside.has(cell) || writtenCells.has(cell) || !testable(cell) ? undefined : new Set([cell]);
    }
    memo.set(v, found);
    return found;
  };
  const all = new Set<Value>();
  let guardable = true;
  forEachOp(loopOps, (op) => {
    const added =
      op.opcode === "array.add" ? operandOf(op, 2) : op.opcode === "cell.add" ? operandOf(op, 1) : undefined;
    if (added === undefined) {
      if (!isPure(op) && op.regions.length === 0) guardable = false;
      return;
    }
    const when = zeroWhen(added);
    if (when === undefined) guardable = false;
    else when.forEach((v) => all.add(v));
  });
  return guardable ? [...all] : undefined;
}

/** `if (a !== 0 || b !== 0) { loop }`, the ops replacing `loop` (a cell's value read first). */
function guardOps(loop: Op, zeroWhen: Value[], value: (type: Value["type"]) => Value): Op[] {
  const zero = value("number");
  const ops: Op[] = [{ opcode: "const", operands: [], results: [zero], regions: [], attrs: { value: 0 } }];
  let condition: Value | undefined;
  for (const source of zeroWhen) {
    let adjoint = source;
    if (source.type === "cell") {
      adjoint = value("number");
      ops.push({ opcode: "cell.read", operands: [source], results: [adjoint], regions: [], attrs: {} });
    }
    const nonzero = value("boolean");
    ops.push({ opcode: "ne", operands: [adjoint, zero], results: [nonzero], regions: [], attrs: {} });
    if (condition === undefined) {
      condition = nonzero;
      continue;
    }
    const either = value("boolean");
    ops.push({ opcode: "or", operands: [condition, nonzero], results: [either], regions: [], attrs: {} });
    condition = either;
  }
  const branch = (ops: Op[]): Region => ({ params: [], ops, yields: [] });
  ops.push({ opcode: "if", operands: [condition!], results: [], regions: [branch([loop]), branch([])], attrs: {} });
  return ops;
}
