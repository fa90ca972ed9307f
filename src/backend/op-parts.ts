/**
 * Reads of the parts of a verified op the plan and the printers rely on: an operand, the result,
 * a region, a region's yield, and lists the verifier sizes alike, taken pairwise.
 *
 * Accepts: ops of a verified gradient function, whose shapes the verifier checked (src/ir/ops.ts).
 * Guarantees: each read returns the part asked for; a part missing is a compiler bug, reported as
 * an Error naming what was expected (never printed as `undefined`).
 */
import type { Op, Region, Value } from "../ir/types.js";

/** Element `index` of `list`, which `what` says must be there. */
export function elementAt<T>(list: readonly T[], index: number, what: string): T {
  const element = list[index];
  if (element === undefined) throw new Error(`expected ${what} (at ${index})`);
  return element;
}

/** Operand `index` of the op. */
export function operandOf(op: Op, index: number): Value {
  return elementAt(op.operands, index, `an operand of '${op.opcode}'`);
}

/** The op's result: its first, the only one of any op printed as a value. */
export function resultOf(op: Op): Value {
  return elementAt(op.results, 0, `a result of '${op.opcode}'`);
}

/** Region `index` of the op. */
export function regionOf(op: Op, index: number): Region {
  return elementAt(op.regions, index, `a region of '${op.opcode}'`);
}

/** The region's yield `index`: the value it gives the op's result or carried value `index`. */
export function yieldOf(region: Region, index: number): Value {
  return elementAt(region.yields, index, "a yield per result");
}

/** The elements of two lists of one length, pairwise (`what` names the pairs in the error when
 * the lengths differ). */
export function zip<A, B>(first: readonly A[], second: readonly B[], what: string): [A, B][] {
  if (first.length !== second.length) throw new Error(`expected ${what} (${first.length} and ${second.length})`);
  return first.map((a, i) => [a, elementAt(second, i, what)]);
}
