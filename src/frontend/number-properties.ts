/**
 * Properties of numbers: a number has none of the data properties code tests to tell arrays
 * from numbers (`arg0.length`, as color-convert's wrappers test whether they were given one
 * array or the channels one by one), so such a read is `undefined`, and a relational
 * comparison of it (`arg0.length > 1`) is false whatever the other side. Decided at compile
 * time for a variable holding a number (an untyped local of package JavaScript holds the kind
 * of value it was given); anything else is left to the lowering.
 */
import { ts } from "ts-morph";
import type { LoweringContext } from "./context.js";
import { skipParentheses } from "./syntax.js";

const relations = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
]);

/** Properties arrays and strings have and numbers do not. */
const arrayProperties = new Set(["length"]);

/** False for `x.length > e` (and the other relations, either way round) with `x` a number. */
export function knownNumberPropertyComparison(cx: LoweringContext, node: ts.BinaryExpression): boolean | undefined {
  if (!relations.has(node.operatorToken.kind)) return undefined;
  return [node.left, node.right].some((side) => isPropertyOfNumber(cx, side)) ? false : undefined;
}

function isPropertyOfNumber(cx: LoweringContext, expression: ts.Expression): boolean {
  const node = skipParentheses(expression);
  if (!ts.isPropertyAccessExpression(node) || !arrayProperties.has(node.name.text)) return false;
  const receiver = skipParentheses(node.expression);
  const symbol = ts.isIdentifier(receiver) ? cx.checker.getSymbolAtLocation(receiver) : undefined;
  return symbol !== undefined && cx.env.get(symbol)?.type === "number";
}
