/**
 * Local arrays of objects (`const ps: P[] = []; ps.push({ x, y })`, `[{ x: 1, y: a }, p]`,
 * `xs.map((x) => ({ x, y: x * x }))`), scalar-replaced as objects are: the array is an object
 * value whose leaves are numeric arrays, one per number field of the element (a structure of
 * arrays), so `ps[i]` is the object of the leaves' elements at i and `ps.push(p)` pushes each
 * field. The leaves are arrays, which are references: every name of the array sees a push.
 *
 * An element is a copy of its fields, so writing a field of one (`ps[i].x = v`) is refused: in
 * JavaScript it would change the object every other name of that element sees. Replacing an
 * element (`ps[i] = { ...ps[i], x: v }`) is accepted.
 */
import { loweringHints } from "../backend/naming.js";
import { ts } from "ts-morph";
import type { Type, Value } from "../ir/types.js";
import { readElement } from "./arrays.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { matrixOf, rejectMatrixUse } from "./matrices.js";
import { fieldsOf, makeObject } from "./objects.js";
import { untypedObjectArrayPaths } from "./untyped-fields.js";

/** The element's number fields when `expression` is an array of objects of numbers and its
 * value is a local one (an object of arrays); undefined otherwise. */
export function objectArrayPaths(cx: LoweringContext, expression: ts.Expression, value: Value): string[] | undefined {
  if (value.type !== "object") return undefined;
  rejectMatrixUse(cx, expression, value);
  return (
    cx.types.elementFields(cx.checker.getTypeAtLocation(expression)) ??
    contextualElementFields(cx, expression) ??
    untypedObjectArrayPaths(cx, expression, value)
  );
}

/**
 * True when `value` is a local array of objects where an array is expected: a declaration, or
 * an inlined helper's return. The differentiated function's own result is not one (its
 * signature may not return an array of objects, see types.ts).
 */
export function isObjectArrayOf(cx: LoweringContext, node: ts.Node, value: Value, type: Type): boolean {
  const returned = ts.isReturnStatement(node.parent) || node.parent === cx.fn.node;
  if (type !== "array" || !ts.isExpression(node) || (returned && cx.inlined.length === 0)) return false;
  if (matrixOf(cx, value)) return true;
  return objectArrayPaths(cx, node, value) !== undefined;
}

/** `ps.length`, and the length of any array value. */
export function arrayLength(cx: LoweringContext, array: Value): Value {
  if (array.type !== "object") return cx.builder.emit("array.length", [array], "number");
  const matrix = matrixOf(cx, array);
  if (matrix) return matrix.rows;
  const [first] = fieldsOf(cx, array).values();
  if (!first) throw new Error("a local array of objects has no field arrays");
  return cx.builder.emit("array.length", [first], "number");
}

/** `ps[i]` of a local array of objects: the object of its fields' elements at i. */
export function objectElement(cx: LoweringContext, array: Value, index: Value): Value {
  return makeObject(
    cx,
    new Map([...fieldsOf(cx, array)].map(([path, leaf]) => [path, readElement(cx, leaf, index)] as const)),
  );
}

/** A new local array of objects of the element fields `paths`, of the given length (zeros). */
export function newObjectArray(cx: LoweringContext, paths: readonly string[], length: Value): Value {
  const zero = cx.builder.constant(0);
  return makeObject(
    cx,
    new Map(paths.map((path) => [path, cx.builder.emit("array.new", [length, zero], "array", { kind: "Array" })])),
  );
}

/** `ps[i] = p` for a local array of objects: each field written at i. */
export function setObjectElement(cx: LoweringContext, node: ts.Node, array: Value, index: Value, element: Value): void {
  const fields = elementFields(cx, node, array, element);
  for (const [path, leaf] of fieldsOf(cx, array)) {
    const value = fields.get(path)!;
    // A field the new element keeps (`{ ...ps[i], y }`) is already in place.
    const read = cx.definingOp(value);
    if (read?.opcode === "array.get" && read.operands[0] === leaf && read.operands[1] === index) continue;
    cx.builder.op({ opcode: "array.set", operands: [leaf, index, value] });
  }
  cx.elementReads.clear();
}

/**
 * `[{ x: 1, y: a }, p]` whose type is an array of objects of numbers, and `[]` declared as one
 * (`const ps: P[] = []`); undefined for other literals.
 */
export function lowerObjectArrayLiteral(cx: LoweringContext, literal: ts.ArrayLiteralExpression): Value | undefined {
  const paths =
    cx.types.elementFields(cx.checker.getTypeAtLocation(literal)) ??
    (literal.elements.length === 0 ? contextualElementFields(cx, literal) : undefined);
  if (!paths) return undefined;
  const elements = literal.elements.map((element) => {
    if (ts.isSpreadElement(element)) return cx.unsupported(element);
    return { node: element, value: lowerExpression(cx, element) };
  });
  const columns = paths.map((path) => {
    const column = elements.map(({ node, value }) => {
      if (value.type !== "object") return cx.unsupported(node);
      return fieldOfElement(cx, node, value, path);
    });
    const name = declaredName(literal, path);
    return [path, cx.builder.emit("array.literal", column, "array", { kind: "Array" }, name)] as const;
  });
  return makeObject(cx, new Map(columns));
}

/** `psX` for the field `x` of `const ps = [...]`: the leaf arrays are named as object leaves are. */
function declaredName(literal: ts.Expression, path: string): string | undefined {
  const declaration = literal.parent;
  if (!ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return undefined;
  return loweringHints.leaf(declaration.name.text, path);
}

/** For `[]` in `const ps: P[] = []`, whose own type is `never[]`. */
function contextualElementFields(cx: LoweringContext, expression: ts.Expression): string[] | undefined {
  const contextual = cx.checker.getContextualType(expression);
  return contextual ? cx.types.elementFields(contextual) : undefined;
}

/** `ps.push(p, q)` for a local array of objects: each field pushed. */
export function pushObjects(cx: LoweringContext, call: ts.CallExpression, array: Value): Value {
  for (const argument of call.arguments) {
    const element = lowerExpression(cx, argument);
    const fields = elementFields(cx, argument, array, element);
    for (const [path, leaf] of fieldsOf(cx, array)) {
      const index = cx.builder.emit("array.length", [leaf], "number");
      cx.builder.op({
        opcode: "array.set",
        operands: [leaf, index, fields.get(path)!],
        attrs: { push: true, grows: true },
      });
    }
  }
  cx.elementReads.clear();
  return arrayLength(cx, array);
}

/** `ps[i].x = v`: refused, see the top of this file. */
export function rejectElementFieldWrite(cx: LoweringContext, target: ts.Node, root: ts.ElementAccessExpression): void {
  const value = lowerExpression(cx, root.expression);
  if (!objectArrayPaths(cx, root.expression, value)) return;
  const element = root.getText(cx.sourceFile);
  const name = target.getText(cx.sourceFile).slice(element.length + 1);
  cx.fail(
    target,
    "AD1004",
    `writing a field of an array element ('${element}.${name}') is not supported: the element may be an object other names hold too`,
    `replace the element instead: ${element} = { ...${element}, ${name}: ... }`,
  );
}

/** The number fields of `element` that go into an array of objects, each one a number. */
function elementFields(cx: LoweringContext, node: ts.Node, array: Value, element: Value): Map<string, Value> {
  if (element.type !== "object") return cx.unsupported(node);
  return new Map([...fieldsOf(cx, array).keys()].map((path) => [path, fieldOfElement(cx, node, element, path)]));
}

function fieldOfElement(cx: LoweringContext, node: ts.Node, element: Value, path: string): Value {
  const leaf = fieldsOf(cx, element).get(path);
  if (leaf?.type === "number") return leaf;
  return cx.fail(
    node,
    "AD1009",
    `an element of a local array of objects needs the number field '${path}'`,
    `give every element all the fields of the element type, as numbers`,
  );
}
