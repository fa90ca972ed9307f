/**
 * Factories returning one of several functions, chosen by conditions on their arguments that
 * are known at compile time (`if (mX1 === mY1 && mX2 === mY2) return LinearEasing;` called with
 * literals, `if (x === void 0)` on a parameter left out): the statements up to the return the
 * call takes are lowered, the branches not taken are not, and the returned expression is the
 * one of that return. A return under a condition known only when the code runs makes the
 * function value a choice (see function-choices.ts).
 */
import { ts } from "ts-morph";
import { isOp } from "../ir/attrs.js";
import type { Value } from "../ir/types.js";
import { definingOps } from "../ir/walk.js";
import type { LoweringContext } from "./context.js";
import { knownCondition } from "./guards.js";
import { lowerStatements } from "./statements.js";
import { containsReturn, skipParentheses } from "./syntax.js";

/** What a factory returns (`returned` of the expression of the return its call takes), its
 * statements before that return lowered; `undecided` gives what it returns after an `if`
 * whose condition the compiler cannot decide. Undefined when a path returns nothing or throws,
 * or returns from a statement other than an `if` or a block. */
export function chosenReturn<R>(
  cx: LoweringContext,
  statements: readonly ts.Statement[],
  returned: (expression: ts.Expression) => R,
  undecided: (statement: ts.IfStatement, rest: readonly ts.Statement[]) => R | undefined,
): R | undefined {
  for (const [k, statement] of statements.entries()) {
    // A branch taken goes on with the statements after its `if`, unless it returns.
    const rest = statements.slice(k + 1);
    if (ts.isReturnStatement(statement)) return statement.expression && returned(statement.expression);
    if (!containsReturn(statement)) {
      // A path that throws (an option decided at compile time refused) returns no function.
      if (lowerStatements(cx, [statement]) === "throws") return undefined;
      continue;
    }
    if (ts.isBlock(statement)) return chosenReturn(cx, [...statement.statements, ...rest], returned, undecided);
    if (!ts.isIfStatement(statement)) return undefined;
    const taken = decided(cx, statement.expression);
    if (taken === undefined) return undecided(statement, rest);
    const branch = taken ? statement.thenStatement : statement.elseStatement;
    return chosenReturn(cx, [...(branch ? [branch] : []), ...rest], returned, undecided);
  }
  return undefined;
}

const comparisons: ReadonlyMap<ts.SyntaxKind, (a: number, b: number) => boolean> = new Map([
  [ts.SyntaxKind.EqualsEqualsEqualsToken, (a, b) => a === b],
  [ts.SyntaxKind.EqualsEqualsToken, (a, b) => a === b],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, (a, b) => a !== b],
  [ts.SyntaxKind.ExclamationEqualsToken, (a, b) => a !== b],
  [ts.SyntaxKind.LessThanToken, (a, b) => a < b],
  [ts.SyntaxKind.LessThanEqualsToken, (a, b) => a <= b],
  [ts.SyntaxKind.GreaterThanToken, (a, b) => a > b],
  [ts.SyntaxKind.GreaterThanEqualsToken, (a, b) => a >= b],
]);

/** A condition of `!`, `&&`, `||` and comparisons of numbers known at compile time (literals,
 * variables holding constants), or a guard guards.ts decides. */
function decided(cx: LoweringContext, condition: ts.Expression): boolean | undefined {
  const node = skipParentheses(condition);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
    const operand = decided(cx, node.operand);
    return operand === undefined ? undefined : !operand;
  }
  if (ts.isBinaryExpression(node)) {
    const operator = node.operatorToken.kind;
    if (operator === ts.SyntaxKind.AmpersandAmpersandToken || operator === ts.SyntaxKind.BarBarToken) {
      const isAnd = operator === ts.SyntaxKind.AmpersandAmpersandToken;
      const left = decided(cx, node.left);
      if (left === !isAnd) return left;
      return left === undefined ? undefined : decided(cx, node.right);
    }
    const compare = comparisons.get(operator);
    const [a, b] = [constantOf(cx, node.left), constantOf(cx, node.right)];
    if (compare && a !== undefined && b !== undefined) return compare(a, b);
  }
  return knownCondition(cx, node);
}

function constantOf(cx: LoweringContext, expression: ts.Expression): number | undefined {
  const node = skipParentheses(expression);
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
    const operand = constantOf(cx, node.operand);
    return operand === undefined ? undefined : -operand;
  }
  if (!ts.isIdentifier(node)) return undefined;
  const symbol = cx.checker.getSymbolAtLocation(node);
  const value: Value | undefined = symbol && cx.env.get(symbol);
  const op = value && definingOps(cx.body).get(value);
  return op && isOp(op, "const") ? op.attrs.value : undefined;
}
