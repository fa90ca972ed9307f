/**
 * Local arrays of arrays of one row length: `Array.from({ length: n }, () => new Array(m).fill(0))`
 * (also `new Float64Array(m)` rows) and literals of rows of one length (`[[a, b], [c, d]]`).
 * Such a matrix is kept as one flat array: an object value of the leaves `data` (row by row),
 * `rows` and `cols`, so `grid[i][j]` is `data[i * cols + j]`, read and written, and
 * `grid.length` is `rows`, `grid[i].length` is `cols`. A row is never a value of its own: `grid[i]` other than indexed
 * again (`const row = grid[i]`, `for (const row of grid)`, `grid.push(row)`) is refused,
 * since a row is an array other names may hold.
 */
import { ts } from "ts-morph";
import { isOp } from "../ir/attrs.js";
import type { ArrayKind, Value } from "../ir/types.js";
import { readElement } from "./arrays.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression, lowerNumber } from "./expressions.js";
import { fieldsOf, makeObject } from "./objects.js";
import { readsAny, skipParentheses } from "./syntax.js";

/** The leaves of a matrix value; `rows` and `cols` are numbers, which tells it from a local
 * array of objects (all of whose leaves are arrays). */
interface Matrix {
  data: Value;
  rows: Value;
  cols: Value;
}

export function matrixOf(cx: LoweringContext, value: Value): Matrix | undefined {
  if (value.type !== "object") return undefined;
  const fields = fieldsOf(cx, value);
  const [data, rows, cols] = [fields.get("data"), fields.get("rows"), fields.get("cols")];
  if (data?.type !== "array" || rows?.type !== "number" || cols?.type !== "number") return undefined;
  return { data, rows, cols };
}

function makeMatrix(cx: LoweringContext, matrix: Matrix): Value {
  return makeObject(
    cx,
    new Map([
      ["data", matrix.data],
      ["rows", matrix.rows],
      ["cols", matrix.cols],
    ]),
  );
}

/**
 * `Array.from({ length: n }, () => new Array(m).fill(c))` (or `new Float64Array(m)` rows, or
 * a callback taking `(_, i)` that does not use them): undefined for other calls.
 */
export function lowerNewMatrix(cx: LoweringContext, call: ts.CallExpression): Value | undefined {
  if (call.expression.getText(cx.sourceFile) !== "Array.from" || call.arguments.length !== 2) return undefined;
  // `new Array(m).fill(0)` is an any[]: the declared type (`const g: number[][] = ...`) tells.
  const contextual = cx.checker.getContextualType(call);
  if (!cx.rowKind(cx.checker.getTypeAtLocation(call)) && !(contextual && cx.rowKind(contextual))) return undefined;
  const [shape, callback] = call.arguments as unknown as [ts.Expression, ts.Expression];
  const lengthProperty =
    ts.isObjectLiteralExpression(shape) && shape.properties.length === 1 ? shape.properties[0] : undefined;
  if (!lengthProperty || !ts.isPropertyAssignment(lengthProperty) || lengthProperty.name.getText() !== "length")
    return undefined;
  if (!ts.isArrowFunction(callback) || !ts.isExpression(callback.body)) return undefined;
  const row = newRow(cx, skipParentheses(callback.body));
  if (!row) return undefined;
  // Rows of one fill only: a callback reading its element or index makes rows of their own.
  if (callback.parameters.some((p) => !ts.isIdentifier(p.name))) return undefined;
  const parameters = callback.parameters.map((p) => cx.symbolOf(p.name));
  if (readsAny(cx.checker, callback.body, parameters)) return undefined;
  const rows = lowerNumber(cx, lengthProperty.initializer);
  const cols = lowerNumber(cx, row.length);
  const fill = row.fill ? lowerNumber(cx, row.fill) : cx.builder.constant(0);
  const size = cx.builder.emit("mul", [rows, cols], "number");
  const data = cx.builder.emit("array.new", [size, fill], "array", { kind: row.kind }, declaredName(call));
  return makeMatrix(cx, { data, rows, cols });
}

/** `new Array(m).fill(c)`, `Array(m).fill(c)`, `new Float64Array(m)`, `new Float32Array(m)`. */
function newRow(
  cx: LoweringContext,
  expression: ts.Expression,
): { length: ts.Expression; fill?: ts.Expression; kind: ArrayKind } | undefined {
  if (ts.isNewExpression(expression) && expression.arguments?.length === 1) {
    const kind = expression.expression.getText(cx.sourceFile);
    if (kind === "Float64Array" || kind === "Float32Array") return { length: expression.arguments[0]!, kind };
  }
  if (!ts.isCallExpression(expression) || expression.arguments.length !== 1) return undefined;
  const fillCallee = expression.expression;
  if (!ts.isPropertyAccessExpression(fillCallee) || fillCallee.name.text !== "fill") return undefined;
  const array = fillCallee.expression;
  const isNewArray =
    (ts.isNewExpression(array) || ts.isCallExpression(array)) &&
    array.expression.getText(cx.sourceFile) === "Array" &&
    array.arguments?.length === 1;
  if (!isNewArray) return undefined;
  return { length: array.arguments![0]!, fill: expression.arguments[0]!, kind: "Array" };
}

/** `[[a, b], [c, d]]` of number arrays of one length; undefined for literals of no array of
 * arrays type, an error for other literals of one (`[]` grown by push, rows of other lengths). */
export function lowerMatrixLiteral(cx: LoweringContext, literal: ts.ArrayLiteralExpression): Value | undefined {
  const contextual = cx.checker.getContextualType(literal);
  if (!cx.rowKind(cx.checker.getTypeAtLocation(literal)) && !(contextual && cx.rowKind(contextual))) return undefined;
  const rows = literal.elements.map((element) => skipParentheses(element));
  const lengths = new Set(rows.map((row) => (ts.isArrayLiteralExpression(row) ? row.elements.length : -1)));
  if (rows.length === 0 || lengths.size !== 1 || lengths.has(-1)) {
    return cx.fail(
      literal,
      "AD1004",
      "a local array of arrays is supported as a matrix made at once, its rows literals of one length or new arrays of one length",
      "build it as [[a, b], [c, d]] or Array.from({ length: n }, () => new Array(m).fill(0)), then write grid[i][j]; or use one flat array",
    );
  }
  const elements = rows.flatMap((row) => (row as ts.ArrayLiteralExpression).elements.map((e) => lowerNumber(cx, e)));
  return makeMatrix(cx, {
    data: cx.builder.emit("array.literal", elements, "array", { kind: "Array" }, declaredName(literal)),
    rows: cx.builder.constant(rows.length),
    cols: cx.builder.constant([...lengths][0]!),
  });
}

/** The matrix and flat index of `grid[i][j]` when `grid` is a local matrix variable (or a
 * field path of one); undefined otherwise. */
function matrixElement(
  cx: LoweringContext,
  access: ts.ElementAccessExpression,
): { matrix: Matrix; index: Value } | undefined {
  const rowAccess = skipParentheses(access.expression);
  if (!ts.isElementAccessExpression(rowAccess) || !isNamePath(rowAccess.expression)) return undefined;
  if (!cx.rowKind(cx.checker.getTypeAtLocation(rowAccess.expression))) return undefined;
  const matrix = matrixOf(cx, lowerExpression(cx, rowAccess.expression));
  if (!matrix) return undefined;
  const row = lowerNumber(cx, rowAccess.argumentExpression);
  const column = lowerNumber(cx, access.argumentExpression);
  return { matrix, index: arithmetic(cx, "add", arithmetic(cx, "mul", row, matrix.cols), column) };
}

/** `a + b`, `a * b` of index values, computed here when both are constants (`m[1][0]`), and
 * left out for `i * cols + 0`. */
function arithmetic(cx: LoweringContext, opcode: "add" | "mul", a: Value, b: Value): Value {
  const [x, y] = [constantOf(cx, a), constantOf(cx, b)];
  if (x !== undefined && y !== undefined) return cx.builder.constant(opcode === "add" ? x + y : x * y);
  if (opcode === "add" && y === 0) return a;
  return cx.builder.emit(opcode, [a, b], "number");
}

function constantOf(cx: LoweringContext, value: Value): number | undefined {
  const definition = cx.definingOp(value);
  return definition && isOp(definition, "const") ? definition.attrs.value : undefined;
}

/** The variable a new matrix is declared as, which names its flat array. */
function declaredName(expression: ts.Expression): string | undefined {
  const declaration = expression.parent;
  return ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name) ? declaration.name.text : undefined;
}

/** `grid`, `state.grid`: reading these lowers nothing but looks up variables. */
function isNamePath(expression: ts.Expression): boolean {
  if (ts.isIdentifier(expression)) return true;
  return ts.isPropertyAccessExpression(expression) && isNamePath(expression.expression);
}

/** `grid[i].length` of a local matrix: its row length; undefined for other property reads. */
export function matrixRowLength(cx: LoweringContext, access: ts.PropertyAccessExpression): Value | undefined {
  const rowAccess = skipParentheses(access.expression);
  if (access.name.text !== "length" || !ts.isElementAccessExpression(rowAccess)) return undefined;
  if (!isNamePath(rowAccess.expression) || !cx.rowKind(cx.checker.getTypeAtLocation(rowAccess.expression)))
    return undefined;
  const matrix = matrixOf(cx, lowerExpression(cx, rowAccess.expression));
  if (!matrix) return undefined;
  // The row index is evaluated, as JavaScript does, though every row has the same length.
  lowerNumber(cx, rowAccess.argumentExpression);
  return matrix.cols;
}

/** `grid[i][j]` of a local matrix; undefined for other element reads. */
export function readMatrixElement(cx: LoweringContext, access: ts.ElementAccessExpression): Value | undefined {
  const element = matrixElement(cx, access);
  return element && readElement(cx, element.matrix.data, element.index);
}

/** `grid[i][j] = e` (and `+=`, `++`) of a local matrix; undefined for other element writes. */
export function writeMatrixElement(
  cx: LoweringContext,
  target: ts.ElementAccessExpression,
  update: (old: () => Value) => Value,
): Value | undefined {
  const element = matrixElement(cx, target);
  if (!element) return undefined;
  const { matrix, index } = element;
  const value = update(() => readElement(cx, matrix.data, index));
  cx.builder.op({ opcode: "array.set", operands: [matrix.data, index, value] });
  cx.elementReads.clear();
  return value;
}

/** A use of a local matrix other than `grid[i][j]` and `grid.length`: refused (see the top). */
export function rejectMatrixUse(cx: LoweringContext, node: ts.Node, value: Value): void {
  if (!matrixOf(cx, value)) return;
  cx.fail(
    node,
    "AD1004",
    "a local array of arrays is supported as a matrix read and written by grid[i][j]; its rows are not values of their own",
    "index it twice (grid[i][j]), or keep the row in an array of its own",
  );
}
