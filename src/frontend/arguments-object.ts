/**
 * `arguments` in an inlined function, as compiled JavaScript reads the parameters it gave a
 * default (Babel writes `order = ANGLE_ORDER` as `arguments.length > 4 && arguments[4] !==
 * undefined ? arguments[4] : ANGLE_ORDER`). The call being inlined gives the arguments, so
 * `arguments.length` is a constant, `arguments[k]` with a literal `k` is the k-th argument, and
 * comparing either with a literal (`arguments.length > 4`, `arguments[4] !== undefined`) is
 * decided at compile time. Any other use of `arguments` (a computed index, passing it on, a
 * call with a spread argument) is a diagnostic.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import { assignmentTarget, comparisons, skipParentheses } from "./syntax.js";
import type { LoweringContext } from "./context.js";
import { type Argument, isCallable } from "./functions.js";
import { callAround, enclosingFunction } from "./inlined-calls.js";

/** Whether a node is the `arguments` of a function (not a variable of that name). */
function isArgumentsObject(cx: LoweringContext, node: ts.Node): node is ts.Identifier {
  if (!ts.isIdentifier(node) || node.text !== "arguments") return false;
  const symbol = cx.checker.getSymbolAtLocation(node);
  return symbol === undefined || (symbol.declarations ?? []).length === 0;
}

/** The arguments of the call `arguments` refers to, all of them known; fails otherwise. */
function callArguments(cx: LoweringContext, node: ts.Identifier): readonly Argument[] {
  const around = callAround(cx, node);
  if (!around) {
    return cx.fail(
      node,
      "AD1004",
      "'arguments' is read outside a function the compiler inlines at a call, so what it holds is known only when the code runs",
      "name the parameters the function takes",
    );
  }
  if (around.args.some((arg) => arg !== undefined && !isCallable(arg) && "spread" in arg)) {
    return cx.fail(
      node,
      "AD1004",
      "'arguments' is read in a function called with a spread argument: how many arguments it gets is known only when the code runs",
      "pass the arguments one by one",
    );
  }
  return around.args;
}

/** `arguments[k]` with a literal k: the index, or undefined for other expressions. */
function literalIndex(cx: LoweringContext, node: ts.Node): { object: ts.Identifier; index: number } | undefined {
  if (!ts.isElementAccessExpression(node)) return undefined;
  const object = skipParentheses(node.expression);
  const index = skipParentheses(node.argumentExpression);
  if (!isArgumentsObject(cx, object) || !ts.isNumericLiteral(index)) return undefined;
  return { object, index: Number(index.text) };
}

/** `arguments.length`: the number of arguments, or undefined for other expressions. */
function argumentCount(cx: LoweringContext, node: ts.Node): number | undefined {
  if (!ts.isPropertyAccessExpression(node) || node.name.text !== "length") return undefined;
  const object = skipParentheses(node.expression);
  return isArgumentsObject(cx, object) ? callArguments(cx, object).length : undefined;
}

/** What `arguments[k]` holds: `{ value }`, `{ missing: true }` when the call gives no k-th
 * argument (or `undefined`); undefined for other expressions. */
function knownArgument(cx: LoweringContext, node: ts.Expression): { value?: Value; missing?: true } | undefined {
  const access = literalIndex(cx, skipParentheses(node));
  if (!access) return undefined;
  rejectMappedParameter(cx, node, access.object, access.index);
  const arg = callArguments(cx, access.object)[access.index];
  if (arg === undefined) return { missing: true };
  if (isCallable(arg)) {
    return cx.fail(
      node,
      "AD1004",
      "'arguments' gives a function here, which the compiler only calls by name",
      "name the parameter the function takes",
    );
  }
  return { value: arg as Value };
}

/**
 * In sloppy-mode code (a script or a bundle without "use strict", as matter-js's is), a
 * function with simple parameters shares `arguments[k]` with its k-th parameter: assigning the
 * parameter changes `arguments[k]`, which is then no longer the call's argument. Refused there.
 */
function rejectMappedParameter(cx: LoweringContext, node: ts.Node, object: ts.Identifier, index: number): void {
  const fn = enclosingFunction(object);
  if (!fn || !ts.isFunctionLike(fn) || isStrict(fn)) return;
  const parameter = fn.parameters[index];
  if (!parameter || !ts.isIdentifier(parameter.name) || fn.parameters.some((p) => p.initializer || p.dotDotDotToken))
    return;
  const name = parameter.name.text;
  let assigned = false;
  const visit = (child: ts.Node): void => {
    const target = assignmentTarget(child);
    if (target && ts.isIdentifier(target) && target.text === name) assigned = true;
    if (!assigned) ts.forEachChild(child, visit);
  };
  visit(fn);
  if (assigned)
    cx.fail(
      node,
      "AD1004",
      `'arguments[${index}]' is '${name}' in this function, which is not strict mode code and assigns '${name}', so it may no longer be the call's argument`,
      `read '${name}' instead, or make the code strict ("use strict")`,
    );
}

/** Whether code in `node` is strict: in an ES module, a class, or under a "use strict" prologue. */
function isStrict(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isClassLike(n)) return true;
    if (ts.isSourceFile(n)) return ts.isExternalModule(n) || hasUseStrict(n.statements);
    if (ts.isFunctionLike(n) && "body" in n && n.body && ts.isBlock(n.body) && hasUseStrict(n.body.statements))
      return true;
  }
  return false;
}

function hasUseStrict(statements: ts.NodeArray<ts.Statement>): boolean {
  for (const statement of statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) return false;
    if (statement.expression.text === "use strict") return true;
  }
  return false;
}

const isUndefined = (node: ts.Node) =>
  (ts.isIdentifier(node) && node.text === "undefined") ||
  (ts.isVoidExpression(node) && ts.isNumericLiteral(skipParentheses(node.expression)));

const equalityHolds: ReadonlyMap<ts.SyntaxKind, (same: boolean) => boolean> = new Map([
  [ts.SyntaxKind.EqualsEqualsEqualsToken, (same: boolean) => same],
  [ts.SyntaxKind.EqualsEqualsToken, (same: boolean) => same],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, (same: boolean) => !same],
  [ts.SyntaxKind.ExclamationEqualsToken, (same: boolean) => !same],
]);

const countComparisons: ReadonlyMap<ts.SyntaxKind, (a: number, b: number) => boolean> = new Map([
  [ts.SyntaxKind.GreaterThanToken, (a: number, b: number) => a > b],
  [ts.SyntaxKind.GreaterThanEqualsToken, (a: number, b: number) => a >= b],
  [ts.SyntaxKind.LessThanToken, (a: number, b: number) => a < b],
  [ts.SyntaxKind.LessThanEqualsToken, (a: number, b: number) => a <= b],
  [ts.SyntaxKind.EqualsEqualsEqualsToken, (a: number, b: number) => a === b],
  [ts.SyntaxKind.EqualsEqualsToken, (a: number, b: number) => a === b],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, (a: number, b: number) => a !== b],
  [ts.SyntaxKind.ExclamationEqualsToken, (a: number, b: number) => a !== b],
]);

/** A comparison of `arguments.length` with a literal, or of `arguments[k]` with undefined. */
function decidedComparison(cx: LoweringContext, node: ts.BinaryExpression): boolean | undefined {
  const operator = node.operatorToken.kind;
  const [left, right] = [skipParentheses(node.left), skipParentheses(node.right)];
  const count = countComparisons.get(operator);
  const leftCount = argumentCount(cx, left);
  if (count && leftCount !== undefined && ts.isNumericLiteral(right)) return count(leftCount, Number(right.text));
  const rightCount = argumentCount(cx, right);
  if (count && rightCount !== undefined && ts.isNumericLiteral(left)) return count(Number(left.text), rightCount);
  const holds = equalityHolds.get(operator);
  const [probe, other] = isUndefined(right) ? [left, right] : [right, left];
  if (!holds || !isUndefined(other)) return undefined;
  const known = knownArgument(cx, probe);
  return known && holds(known.missing === true);
}

/** `arguments.length`, `arguments[k]` and comparisons of them, lowered; undefined for
 * expressions that do not read `arguments`. */
export function lowerArgumentsRead(cx: LoweringContext, expression: ts.Expression): Value | undefined {
  if (ts.isBinaryExpression(expression) && comparisons.has(expression.operatorToken.kind)) {
    const decided = decidedComparison(cx, expression);
    return decided === undefined ? undefined : cx.boolean(decided);
  }
  const count = argumentCount(cx, expression);
  if (count !== undefined) return cx.builder.constant(count);
  const known = knownArgument(cx, expression);
  if (known?.value) return known.value;
  if (known) {
    return cx.fail(
      expression,
      "AD1004",
      "this 'arguments[k]' is an argument the call does not give: it would be undefined",
      "test it first: arguments.length > k && arguments[k] !== undefined ? arguments[k] : ...",
    );
  }
  if (isArgumentsObject(cx, expression)) {
    return cx.fail(
      expression,
      "AD1004",
      "'arguments' is supported only as arguments.length and arguments[k] with a literal k, which the call decides",
      "name the parameters the function takes",
    );
  }
  return undefined;
}
