/**
 * `typeof x`: every value the lowering accepts has one static type (number, boolean, string,
 * array or object), so `typeof` folds to a string, and `typeof x === "number"` to a boolean.
 * The operand is still lowered, for its effects.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { equalities, typeofNames } from "./guards.js";
import { skipParentheses } from "./syntax.js";

function typeofText(cx: LoweringContext, expression: ts.TypeOfExpression): string {
  // An `any` may hold anything when the code runs, whatever the compiler lowers it as.
  if (cx.checker.getTypeAtLocation(expression.expression).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))
    return cx.unsupported(expression);
  const operand = lowerExpression(cx, expression.expression);
  const result = typeofNames[operand.type];
  if (result === undefined) cx.rejectType(expression.expression, "the operand of 'typeof'");
  return result;
}

/** `typeof x` as a value: the string it always is. */
export function lowerTypeof(cx: LoweringContext, expression: ts.TypeOfExpression): Value {
  return cx.builder.emit("string", [], "string", { value: typeofText(cx, expression) });
}

/** `typeof x === "number"` (either way round, or with `!==`): a boolean constant; undefined
 * for any other binary expression. */
export function lowerTypeofComparison(cx: LoweringContext, expression: ts.BinaryExpression): Value | undefined {
  const equal = equalities.get(expression.operatorToken.kind);
  if (equal === undefined) return undefined;
  const left = skipParentheses(expression.left);
  const right = skipParentheses(expression.right);
  const [typeofSide, literal] = ts.isTypeOfExpression(left) ? [left, right] : [right, left];
  if (!ts.isTypeOfExpression(typeofSide) || !ts.isStringLiteralLike(literal)) return undefined;
  return cx.boolean((typeofText(cx, typeofSide) === literal.text) === equal);
}
