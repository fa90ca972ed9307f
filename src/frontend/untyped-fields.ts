/**
 * Fields of untyped values of library JavaScript: `vector.x` where `vector` is a parameter of
 * a JavaScript method (the checker types it `any`) reads the field of the object the call
 * passed, and `xs.length` the length of the array; the value decides, as for untyped locals
 * (library.ts isUntypedJavaScript). Anything else stays a diagnostic of the lowering.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { isUntypedJavaScript } from "./library.js";
import { field } from "./objects.js";

export function lowerUntypedField(cx: LoweringContext, expression: ts.PropertyAccessExpression): Value | undefined {
  const receiver = expression.expression;
  if (!ts.isIdentifier(receiver) && receiver.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  if (!isUntypedJavaScript(cx.checker, receiver)) return undefined;
  const value = lowerExpression(cx, receiver);
  if (value.type === "object") return field(cx, value, expression.name.text, expression.name);
  if (value.type === "array" && expression.name.text === "length")
    return cx.builder.emit("array.length", [value], "number");
  return undefined;
}
