/**
 * Type guards the compiler decides at compile time: `typeof x === "number"` and
 * `options.eps === undefined` (and `!==`, `!`, `&&`, `||` of those; `x == null` as JavaScript
 * compares: the compiler's values are never null, a parameter left out is undefined). Inside
 * an inlined helper whose parameter is a union (`x: number | Float64Array`), each call passes
 * a value whose kind is known, so the guard is a constant and only the branch it takes is
 * lowered; the other branch, written for the other kind, is never seen. Guards on values whose
 * kind is known only when the code runs (`any`) are left to the lowering, which reports them.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import { knownConstructorEquality } from "./array-constructors.js";
import { knownArrayIdentity } from "./array-identity.js";
import type { LoweringContext } from "./context.js";
import { leftOutState } from "./functions.js";
import { knownFunctionTypeof, knownKeyedMember } from "./function-variables.js";
import { isUntypedJavaScript } from "./library.js";
import { fieldsOf } from "./objects.js";
import { knownNumberPropertyComparison } from "./number-properties.js";
import { isOmittedParameter } from "./omitted-parameters.js";
import { skipParentheses } from "./syntax.js";
import { knownStringTruthiness } from "./string-values.js";
import { knownTableEntry } from "./registered-tables.js";

/** What `typeof` says of a value of each IR type. */
export const typeofNames: Partial<Record<Value["type"], string>> = {
  number: "number",
  boolean: "boolean",
  string: "string",
  array: "object",
  object: "object",
  void: "undefined",
};

export const equalities: ReadonlyMap<ts.SyntaxKind, boolean> = new Map([
  [ts.SyntaxKind.EqualsEqualsEqualsToken, true],
  [ts.SyntaxKind.EqualsEqualsToken, true],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, false],
  [ts.SyntaxKind.ExclamationEqualsToken, false],
]);

/** The value a variable or a field path of an object variable holds, without emitting IR:
 * `{ value }`, `{ missing: true }` for a field an object literal lacks, undefined when unknown. */
function knownValue(cx: LoweringContext, expression: ts.Expression): { value?: Value; missing?: true } | undefined {
  const node = skipParentheses(expression);
  const checkerType = cx.checker.getTypeAtLocation(node);
  // An untyped local of library JavaScript has the kind of the value it holds.
  const untyped =
    (ts.isIdentifier(node) || ts.isPropertyAccessExpression(node)) && isUntypedJavaScript(cx.checker, node);
  if (checkerType.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown) && !untyped) return undefined;
  if (ts.isIdentifier(node)) {
    const symbol = cx.checker.getSymbolAtLocation(node);
    const value = symbol && cx.env.get(symbol);
    if (isOmittedParameter(cx, symbol)) return { missing: true };
    if (symbol) {
      const leftOut = leftOutState(cx, symbol);
      if (leftOut) return { missing: true };
      // Assigned after the call left it out: maybe still undefined, which the lowering reports.
      if (leftOut === undefined) return undefined;
    }
    return value ? { value } : undefined;
  }
  if (!ts.isPropertyAccessExpression(node)) return undefined;
  const object = knownValue(cx, node.expression)?.value;
  if (!object || object.type !== "object") return undefined;
  const fields = fieldsOf(cx, object);
  const name = node.name.text;
  const leaf = fields.get(name);
  if (leaf) return { value: leaf };
  if ([...fields.keys()].some((path) => path.startsWith(`${name}.`))) return {};
  // Only an object literal's missing field is known to be undefined (see defaults.ts).
  return cx.literalObjects.has(object) ? { missing: true } : undefined;
}

const isUndefinedLiteral = (node: ts.Expression) =>
  (ts.isIdentifier(node) && node.text === "undefined") ||
  (ts.isVoidExpression(node) && ts.isNumericLiteral(skipParentheses(node.expression)));

const isNullLiteral = (node: ts.Expression) => node.kind === ts.SyntaxKind.NullKeyword;

const isLooseEquality = (operator: ts.SyntaxKind) =>
  operator === ts.SyntaxKind.EqualsEqualsToken || operator === ts.SyntaxKind.ExclamationEqualsToken;

/** `typeof x === "number"`, `x === undefined` or `x === null`, either way round: whether it holds, when known. */
function knownEquality(cx: LoweringContext, expression: ts.BinaryExpression): boolean | undefined {
  const equal = equalities.get(expression.operatorToken.kind);
  if (equal === undefined) return undefined;
  const identity =
    knownConstructorEquality(cx, expression, equal) ??
    knownArrayIdentity(cx, expression, equal) ??
    knownFunctionTypeof(cx, expression, equal);
  if (identity !== undefined) return identity;
  const [left, right] = [skipParentheses(expression.left), skipParentheses(expression.right)];
  const [probe, literal] =
    ts.isTypeOfExpression(left) || isUndefinedLiteral(right) || isNullLiteral(right) ? [left, right] : [right, left];
  let holds: boolean | undefined;
  if (ts.isTypeOfExpression(probe) && ts.isStringLiteral(literal)) {
    const known = knownValue(cx, probe.expression);
    if (known?.missing) holds = literal.text === "undefined";
    else if (known) {
      const name = known.value ? typeofNames[known.value.type] : "object";
      if (name !== undefined) holds = literal.text === name;
    }
  } else if (isUndefinedLiteral(literal)) {
    const known = knownValue(cx, probe);
    if (known) holds = known.missing === true;
  } else if (isNullLiteral(literal)) {
    // The compiler's values are never null; a missing one is undefined, which only == null matches.
    const known = knownValue(cx, probe);
    if (known) holds = known.missing === true && isLooseEquality(expression.operatorToken.kind);
  }
  return holds === undefined ? undefined : holds === equal;
}

/** `if (target)`: false for a parameter left out, true for an object or an array (a number
 * or a string may be falsy, which only the code knows when it runs). */
function knownTruthiness(cx: LoweringContext, identifier: ts.Identifier): boolean | undefined {
  // A helper's parameter its call leaves out is tested only by `=== undefined` and `??`; but
  // library JavaScript tests it as it is (`if (!output) output = {}`), falsy until assigned.
  const symbol = cx.checker.getSymbolAtLocation(identifier);
  if (symbol && cx.undefinedParameters.has(symbol))
    return isUntypedJavaScript(cx.checker, identifier) && leftOutState(cx, symbol) ? false : undefined;
  const known = knownValue(cx, identifier);
  if (known?.missing) return false;
  const type = known?.value?.type;
  if (type === "string") return knownStringTruthiness(known!.value!);
  return type === "object" || type === "array" ? true : undefined;
}

/** Whether a condition holds, when the compiler knows it at compile time. */
export function knownCondition(cx: LoweringContext, condition: ts.Expression): boolean | undefined {
  const node = skipParentheses(condition);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
    const operand = knownCondition(cx, node.operand);
    return operand === undefined ? undefined : !operand;
  }
  if (ts.isIdentifier(node)) return knownTruthiness(cx, node);
  if (ts.isElementAccessExpression(node)) return knownTableEntry(cx, node) ?? knownKeyedMember(cx, node);
  if (!ts.isBinaryExpression(node)) return undefined;
  const operator = node.operatorToken.kind;
  if (operator === ts.SyntaxKind.AmpersandAmpersandToken || operator === ts.SyntaxKind.BarBarToken) {
    const isAnd = operator === ts.SyntaxKind.AmpersandAmpersandToken;
    const left = knownCondition(cx, node.left);
    // `false && ...` and `true || ...` are known whatever the right side is.
    if (left === !isAnd) return left;
    const right = knownCondition(cx, node.right);
    if (left !== undefined && right !== undefined) return right;
    return undefined;
  }
  return knownNumberPropertyComparison(cx, node) ?? knownEquality(cx, node);
}

/** The statements an `if` statement runs when its condition is known: one branch, or none. */
export function takenBranch(cx: LoweringContext, statement: ts.IfStatement): ts.Statement[] | undefined {
  const known = knownCondition(cx, statement.expression);
  if (known === undefined) return undefined;
  if (known) return [statement.thenStatement];
  return statement.elseStatement ? [statement.elseStatement] : [];
}
