/**
 * Reading an op's operands and results, and the elements of other lists, by position, where the
 * op's shape (checked by the verifier) says the element is there. A missing one is a bug of the
 * compiler: it is reported as one, with what was asked, instead of passing on `undefined`.
 */
import type { Op, Value } from "./types.js";

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
