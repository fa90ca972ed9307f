/**
 * Array constructors held in variables: a library that lets its users choose the array type of
 * what it allocates (gl-matrix's `glMatrix.ARRAY_TYPE`, Float32Array unless
 * `setMatrixArrayType(Array)` is called) writes `new ARRAY_TYPE(n)`, and which constructor that
 * is is known only when the code runs. Every such allocation is a Float64Array of zeros in the
 * generated code: gradients are computed in double precision whichever type the library would
 * have used, and comparisons of the chosen constructor (`ARRAY_TYPE != Float32Array`) are
 * decided as for Float64Array, the array the generated code holds.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { lowerNumber } from "./expressions.js";
import { onlyArgument, skipParentheses } from "./syntax.js";

/** The standard library's array constructors, by the name of their type. */
const constructorsByType: ReadonlyMap<string, string> = new Map([
  ["ArrayConstructor", "Array"],
  ["Float32ArrayConstructor", "Float32Array"],
  ["Float64ArrayConstructor", "Float64Array"],
]);

/** What the generated code allocates for a constructor chosen at run time. */
const allocatedKind = "Float64Array";

/** True for an expression other than a constructor's own name holding one of several array
 * constructors (`ArrayConstructor | Float32ArrayConstructor`). */
function holdsChosenConstructor(cx: LoweringContext, expression: ts.Expression): boolean {
  const node = skipParentheses(expression);
  if (ts.isIdentifier(node) && constructorsByType.has(`${node.text}Constructor`)) return false;
  const type = cx.checker.getTypeAtLocation(node);
  const members = type.isUnion() ? type.types : [type];
  return members.every((member) => constructorsByType.has(member.getSymbol()?.getName() ?? ""));
}

/** True for `new ARRAY_TYPE(n)`: a variable it initialises holds a Float64Array, whatever the
 * union its type names (`number[] | Float32Array`). */
function isNewOfChosenArray(cx: LoweringContext, expression: ts.Expression): boolean {
  const node = skipParentheses(expression);
  return ts.isNewExpression(node) && onlyArgument(node) !== undefined && holdsChosenConstructor(cx, node.expression);
}

/** True for a variable initialised by `new ARRAY_TYPE(n)` (`var out = new ARRAY_TYPE(3)`). */
export function isChosenArrayVariable(cx: LoweringContext, expression: ts.Expression): boolean {
  const node = skipParentheses(expression);
  const declaration = ts.isIdentifier(node) ? cx.checker.getSymbolAtLocation(node)?.valueDeclaration : undefined;
  return (
    declaration !== undefined &&
    ts.isVariableDeclaration(declaration) &&
    declaration.initializer !== undefined &&
    isNewOfChosenArray(cx, declaration.initializer)
  );
}

/** `new ARRAY_TYPE(n)`: n zeros in double precision; undefined for other `new`s. */
export function lowerNewOfChosenArray(cx: LoweringContext, expression: ts.NewExpression): Value | undefined {
  const lengthArgument = onlyArgument(expression);
  if (!lengthArgument || !holdsChosenConstructor(cx, expression.expression)) return undefined;
  const length = lowerNumber(cx, lengthArgument);
  return cx.builder.emit("array.new", [length, cx.builder.constant(0)], "array", { kind: allocatedKind });
}

/** `ARRAY_TYPE != Float32Array` (either way round, ==, ===, !=, !==): whether the arrays the
 * generated code allocates for ARRAY_TYPE are of the named constructor; undefined for other
 * comparisons. */
export function knownConstructorEquality(
  cx: LoweringContext,
  expression: ts.BinaryExpression,
  equal: boolean,
): boolean | undefined {
  const [left, right] = [skipParentheses(expression.left), skipParentheses(expression.right)];
  const [chosen, named] = holdsChosenConstructor(cx, left) ? [left, right] : [right, left];
  if (!holdsChosenConstructor(cx, chosen) || !ts.isIdentifier(named)) return undefined;
  const namedType = cx.checker.getTypeAtLocation(named).getSymbol()?.getName();
  const namedKind = namedType === undefined ? undefined : constructorsByType.get(namedType);
  if (namedKind === undefined) return undefined;
  return (namedKind === allocatedKind) === equal;
}
