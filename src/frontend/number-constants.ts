/**
 * The constants of `Number` (`Number.EPSILON`, `Number.MAX_VALUE`, ...): literals, printed in
 * the generated code as the user wrote them. (`NaN` and `Infinity` are read in expressions.ts.)
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";

/** The value of each constant of `Number`, by name. */
export const numberConstants: ReadonlyMap<string, number> = new Map(
  (
    [
      "NaN",
      "EPSILON",
      "MAX_VALUE",
      "MIN_VALUE",
      "POSITIVE_INFINITY",
      "NEGATIVE_INFINITY",
      "MAX_SAFE_INTEGER",
      "MIN_SAFE_INTEGER",
    ] as const
  ).map((name) => [name, Number[name]]),
);

/** `Number.EPSILON` and the other constants of `Number`; undefined for any other property. */
export function lowerNumberConstant(cx: LoweringContext, expression: ts.PropertyAccessExpression): Value | undefined {
  if (!ts.isIdentifier(expression.expression) || expression.expression.text !== "Number") return undefined;
  const value = numberConstants.get(expression.name.text);
  return value === undefined ? undefined : cx.builder.constant(value, expression.getText(cx.sourceFile));
}
