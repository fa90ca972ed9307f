/**
 * Fields of untyped values of library JavaScript: `vector.x` where `vector` is a parameter of
 * a JavaScript method (the checker types it `any`) reads the field of the object the call
 * passed, and `xs.length` the length of the array; the value decides, as for untyped locals
 * (library.ts isUntypedJavaScript). Anything else stays a diagnostic of the lowering.
 *
 * An array of objects is an object value of field arrays (object-arrays.ts), which only its
 * type tells from an object: the values a typed call passes as arrays of objects are noted, so
 * that the JavaScript reading them (`vertices[i].x`, `vertices.length`) knows them.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { isUntypedJavaScript } from "./library.js";
import type { Argument } from "./functions.js";
import { arrayLength } from "./object-arrays.js";
import { field } from "./objects.js";

/** The element fields of the arrays of objects typed code passed to library JavaScript. */
const objectArrays = new WeakMap<Value, string[]>();

/** Notes the arguments of a call that its types say are arrays of objects. */
export function noteObjectArrayArguments(
  cx: LoweringContext,
  expressions: readonly ts.Expression[],
  args: readonly Argument[],
): void {
  expressions.forEach((expression, i) => {
    const arg = args[i];
    if (!arg || !("type" in arg) || arg.type !== "object") return;
    const paths = cx.types.elementFields(cx.checker.getTypeAtLocation(expression));
    if (paths) objectArrays.set(arg, paths);
  });
}

/** The element fields of an untyped value of library JavaScript that is an array of objects. */
export function untypedObjectArrayPaths(cx: LoweringContext, expression: ts.Expression, value: Value) {
  return isUntypedJavaScript(cx.checker, expression) ? objectArrays.get(value) : undefined;
}

export function lowerUntypedField(cx: LoweringContext, expression: ts.PropertyAccessExpression): Value | undefined {
  const receiver = expression.expression;
  // `vertices[i].x`: an element of an array of objects is an object too.
  const isElement = ts.isElementAccessExpression(receiver) && ts.isIdentifier(receiver.expression);
  if (!ts.isIdentifier(receiver) && receiver.kind !== ts.SyntaxKind.ThisKeyword && !isElement) return undefined;
  if (!isUntypedJavaScript(cx.checker, receiver)) return undefined;
  const value = lowerExpression(cx, receiver);
  if (expression.name.text === "length" && objectArrays.has(value)) return arrayLength(cx, value);
  if (value.type === "object") return field(cx, value, expression.name.text, expression.name);
  if (value.type === "array" && expression.name.text === "length")
    return cx.builder.emit("array.length", [value], "number");
  return undefined;
}
