/**
 * Comparisons of strings known at compile time: a string literal, passed on through variables
 * and parameters, compared with another (`order === "XYZ"` in a library method called with
 * "XYZ"). The comparison is a boolean constant, so that an `if` testing it lowers only the
 * branch it takes (see constantCondition), as for `instanceof`: a mode chosen by a string is
 * one straight path in the generated code, not a chain of tests of constants.
 */
import type { Value } from "../ir/types.js";
import type { PrimitiveName } from "../rules/primitives.js";
import type { LoweringContext } from "./context.js";

/** The text of each string value a literal made. */
const literalTexts = new WeakMap<Value, string>();

/** A string literal's value. */
export function lowerStringLiteral(cx: LoweringContext, text: string): Value {
  const value = cx.builder.emit("string", [], "string", { value: text });
  literalTexts.set(value, text);
  return value;
}

/** What each comparison says of two strings, as JavaScript compares them. */
const stringComparisons: Partial<Record<PrimitiveName, (a: string, b: string) => boolean>> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

/** The comparison of two string literals, as a constant; undefined for other operands. */
export function foldStringComparison(
  cx: LoweringContext,
  comparison: PrimitiveName,
  left: Value,
  right: Value,
): Value | undefined {
  const [a, b] = [literalTexts.get(left), literalTexts.get(right)];
  const compare = stringComparisons[comparison];
  return a === undefined || b === undefined || !compare ? undefined : cx.boolean(compare(a, b));
}
