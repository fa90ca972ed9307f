/**
 * Arrays: element and row reads, element writes, `push`, new arrays (`new Float64Array(n)`,
 * literals, `fill`, `slice`, `Array.from`) and array destructuring. Arrays are references, as
 * in JavaScript: a write changes the array every name of it sees.
 */
import { ts } from "ts-morph";
import { isOp } from "../ir/attrs.js";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression, lowerNumber } from "./expressions.js";
import { objectArrayPaths, objectElement, setObjectElement, lowerObjectArrayLiteral } from "./object-arrays.js";
import { lowerMatrixLiteral, readMatrixElement, writeMatrixElement } from "./matrices.js";
import { makeObject } from "./objects.js";
import { lowerKeyedField } from "./string-values.js";
import { onlyArgument, readsAny } from "./syntax.js";

/** `a[i]` as an expression. */
export function lowerElementAccess(cx: LoweringContext, expression: ts.ElementAccessExpression): Value {
  const matrixElement = readMatrixElement(cx, expression);
  if (matrixElement) return matrixElement;
  const array = lowerExpression(cx, expression.expression);
  const isObjectArray = objectArrayPaths(cx, expression.expression, array);
  if (array.type === "object" && !isObjectArray) return lowerKeyedField(cx, expression, array);
  if (array.type !== "array" && !isObjectArray) return cx.unsupported(expression);
  return elementOf(cx, expression.expression, array, lowerNumber(cx, expression.argumentExpression));
}

/** `a[i]`: a number, a row of an array of arrays, or an object of an array of objects. */
export function elementOf(cx: LoweringContext, arrayExpression: ts.Expression, array: Value, index: Value): Value {
  if (array.type === "object") return objectElement(cx, array, index);
  const type = cx.checker.getTypeAtLocation(arrayExpression);
  if (cx.rowKind(type)) return readRow(cx, array, index);
  const fields = cx.types.elementFields(type);
  if (fields) return makeObject(cx, new Map(fields.map((field) => [field, readElement(cx, array, index, field)])));
  return readElement(cx, array, index);
}

/**
 * `a[i]`: reading the same element again, in the same region with no write in between, reuses
 * the first read (`a[i] * a[i]` reads once, and the reverse sweep keeps one value).
 */
export function readElement(cx: LoweringContext, array: Value, index: Value, field?: string): Value {
  const definition = cx.definingOp(index);
  const literal = definition && isOp(definition, "const") ? `=${definition.attrs.value}` : undefined;
  const key = `${array.id}[${literal ?? index.id}]${field === undefined ? "" : `.${field}`}`;
  const cached = cx.elementReads.get(key);
  if (cached && cached.region === cx.builder.region) return cached.value;
  const value = cx.builder.emit("array.get", [array, index], "number", field === undefined ? undefined : { field });
  cx.elementReads.set(key, { region: cx.builder.region, value });
  return value;
}

/** `m[i]` of an array of arrays: a row, which is the parameter's as much as the parameter is. */
function readRow(cx: LoweringContext, array: Value, index: Value): Value {
  const row = cx.builder.emit("array.row", [array, index], "array");
  if (cx.parameterArrays.has(array)) cx.parameterArrays.add(row);
  return row;
}

/**
 * `a[i] = ...`, `a[i] += ...`, `a[i]++`: the new value is computed by `update`, which may read
 * the old element through `old`. Only arrays the function created may be written: a parameter
 * is the caller's array, which the generated gradient must leave unchanged.
 */
export function writeElement(
  cx: LoweringContext,
  target: ts.ElementAccessExpression,
  update: (old: () => Value) => Value,
): Value {
  const matrixElement = writeMatrixElement(cx, target, update);
  if (matrixElement) return matrixElement;
  const array = lowerExpression(cx, target.expression);
  if (objectArrayPaths(cx, target.expression, array)) {
    const index = lowerNumber(cx, target.argumentExpression);
    const element = update(() => objectElement(cx, array, index));
    setObjectElement(cx, target, array, index, element);
    return element;
  }
  if (array.type !== "array") return cx.unsupported(target);
  rejectParameterWrite(cx, target, target.expression, array);
  const index = lowerNumber(cx, target.argumentExpression);
  const value = update(() => readElement(cx, array, index));
  // `a[a.length] = v` appends: the array's length changes, as with push.
  const arraySymbol = ts.isIdentifier(target.expression)
    ? cx.checker.getSymbolAtLocation(target.expression)
    : undefined;
  const grows = arraySymbol !== undefined && readsAny(cx.checker, target.argumentExpression, [arraySymbol]);
  cx.builder.op({ opcode: "array.set", operands: [array, index, value], attrs: grows ? { grows } : {} });
  cx.elementReads.clear();
  return value;
}

function rejectParameterWrite(cx: LoweringContext, node: ts.Node, target: ts.Expression, array: Value): void {
  if (!cx.parameterArrays.has(array)) return;
  const name = target.getText(cx.sourceFile);
  cx.fail(
    node,
    "AD1004",
    `'${name}' is a parameter: writing into it would change the array the caller passed`,
    `copy it first (const copy = ${name}.slice()) and write into the copy`,
  );
}

/** `xs.push(a, b)`: each value is written at the array's current length (`xs[xs.length] = a`). */
export function lowerPush(cx: LoweringContext, call: ts.CallExpression, target: ts.Expression, array: Value): Value {
  rejectParameterWrite(cx, call, target, array);
  for (const argument of call.arguments) {
    const value = lowerNumber(cx, argument);
    const index = cx.builder.emit("array.length", [array], "number");
    cx.builder.op({ opcode: "array.set", operands: [array, index, value], attrs: { push: true, grows: true } });
  }
  cx.elementReads.clear();
  return cx.builder.emit("array.length", [array], "number");
}

/** `const [a, b] = pair`: each name bound to the element at its position. */
export function lowerArrayDestructuring(cx: LoweringContext, pattern: ts.ArrayBindingPattern, array: Value): void {
  if (array.type !== "array") cx.unsupported(pattern);
  pattern.elements.forEach((element, k) => {
    if (ts.isOmittedExpression(element)) return;
    if (element.dotDotDotToken || element.initializer || !ts.isIdentifier(element.name)) cx.unsupported(element);
    cx.bind(cx.symbolOf(element.name), readElement(cx, array, cx.builder.constant(k)));
  });
}

/** `[a, b, c]` of numbers. */
export function lowerArrayLiteral(cx: LoweringContext, literal: ts.ArrayLiteralExpression): Value {
  const objects = lowerObjectArrayLiteral(cx, literal) ?? lowerMatrixLiteral(cx, literal);
  if (objects) return objects;
  rejectMixedObjectArray(cx, literal);
  const elements = literal.elements.map((element) => lowerNumber(cx, element));
  return cx.builder.emit("array.literal", elements, "array", { kind: "Array" });
}

/** An array literal of objects that are not all numbers (`[{ mode: "rgb", r, g, b }, end]`):
 * the compiler keeps an array of objects as one array per numeric field, which these have not. */
function rejectMixedObjectArray(cx: LoweringContext, literal: ts.ArrayLiteralExpression): void {
  const element = cx.checker.getIndexTypeOfType(cx.checker.getTypeAtLocation(literal), ts.IndexKind.Number);
  if (!element || !cx.types.isObject(element)) return;
  cx.fail(
    literal,
    "AD1004",
    "an array of objects with fields other than numbers (strings, nested objects) is not supported: the compiler keeps an array of objects as one array per numeric field",
    "pass the objects one by one, or keep only numeric fields in the array's objects",
  );
}

/** `new Float64Array(n)`, `new Float32Array(n)`: a new array of zeros; undefined for other `new`s. */
export function lowerNewArray(cx: LoweringContext, expression: ts.NewExpression): Value | undefined {
  const lengthArgument = onlyArgument(expression);
  if (!ts.isIdentifier(expression.expression) || !lengthArgument) return undefined;
  const kind = expression.expression.text;
  // The constructor is known before the argument is lowered: a `new` this does not lower is
  // lowered by another construct, which must not see the argument's effects twice.
  if (kind !== "Float64Array" && kind !== "Float32Array") return undefined;
  const length = lowerExpression(cx, lengthArgument);
  if (length.type !== "number") return cx.unsupported(expression);
  return cx.builder.emit("array.new", [length, cx.builder.constant(0)], "array", { kind });
}

/**
 * `new Array(n).fill(c)`, `new Float64Array(n).fill(c)` (a new filled array) and `xs.slice()`
 * (a copy); undefined for other calls.
 */
export function lowerArrayMethod(cx: LoweringContext, call: ts.CallExpression): Value | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const receiver = callee.expression;
  const kind = cx.arrayKind(cx.checker.getTypeAtLocation(call));
  if (!kind) return undefined;
  const fill = onlyArgument(call);
  const lengthArgument = ts.isNewExpression(receiver) ? onlyArgument(receiver) : undefined;
  if (method === "fill" && fill && ts.isNewExpression(receiver) && lengthArgument) {
    const constructor = receiver.expression.getText(cx.sourceFile);
    if (constructor === "Array" || constructor === "Float64Array" || constructor === "Float32Array") {
      const literal =
        ts.isNumericLiteral(fill) || (ts.isPrefixUnaryExpression(fill) && ts.isNumericLiteral(fill.operand));
      if (!literal)
        cx.fail(
          fill,
          "AD1004",
          "arrays can be filled with a number literal only",
          "fill with 0 and assign the elements in a loop",
        );
      const length = lowerNumber(cx, lengthArgument);
      return cx.builder.emit("array.new", [length, lowerNumber(cx, fill)], "array", { kind });
    }
  }
  if (method === "slice" && call.arguments.length === 0) {
    const source = lowerExpression(cx, receiver);
    if (source.type === "array") return cx.builder.emit("array.copy", [source], "array", { kind });
  }
  return undefined;
}
