/**
 * Reading an op's operands and results, and the elements of other lists, by position, where the
 * op's shape (checked by the verifier) says the element is there. A missing one is a bug of the
 * compiler: it is reported as one, with what was asked, instead of passing on `undefined`.
 */
import type { Op, Region, Value } from "./types.js";

/** `items[index]`, which the caller knows is there. */
export function at<T>(items: readonly T[], index: number, what = "element"): T {
  const item = items[index];
  if (item === undefined) throw new Error(`there is no ${what} ${index} (of ${items.length})`);
  return item;
}

/** Operand `index` of `op`. */
export function operandOf(op: Op, index: number): Value {
  return at(op.operands, index, `operand of '${op.opcode}'`);
}

/** The result of an op that has one (its first, of an op with several). */
export function resultOf(op: Op): Value {
  return at(op.results, 0, `result of '${op.opcode}'`);
}

/** Region `index` of `op`. */
export function regionOf(op: Op, index: number): Region {
  return at(op.regions, index, `region of '${op.opcode}'`);
}

/** The region's yield `index`: the value it gives the op's result or carried value `index`. */
export function yieldOf(region: Region, index: number): Value {
  return at(region.yields, index, "yield");
}

/** The elements of two lists of one length, pairwise, elements that are `undefined` included
 * (`what` names the pairs in the error when the lengths differ). */
export function zip<A, B>(first: readonly A[], second: readonly B[], what = "lists of one length"): [A, B][] {
  const mismatch = () => new Error(`expected ${what} (${first.length} and ${second.length})`);
  const pairs: [A, B][] = [];
  const rest = second[Symbol.iterator]();
  for (const a of first) {
    const b = rest.next();
    if (b.done) throw mismatch();
    pairs.push([a, b.value]);
  }
  if (!rest.next().done) throw mismatch();
  return pairs;
}
