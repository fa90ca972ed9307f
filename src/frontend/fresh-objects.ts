/**
 * Calls that return a new object, which no other name holds: a helper whose every `return` is
 * an object literal, the result of another such call, or a local of the helper that only ever
 * holds new objects and that the helper only reads fields of, writes fields of and returns
 * (`let res = { mode: "lab65", l, a, b }; if (alpha !== undefined) res.alpha = alpha; return
 * res;`, as culori's converters are written). A variable initialized with such a call may have
 * its fields written, as one holding an object literal may (see objects.ts rejectSharedWrite).
 * Decided on the syntax alone, so it holds whatever the call's arguments are.
 */
import { ts } from "ts-morph";
import type { FunctionNode } from "./annotations.js";
import { helperOf } from "./calls.js";
import type { LoweringContext } from "./context.js";
import { skipParentheses } from "./syntax.js";
import { equalities } from "./guards.js";

/** Whether `expression` is a call of a helper that always returns a new object. */
export function isNewObjectCall(cx: LoweringContext, expression: ts.Expression): boolean {
  const call = skipParentheses(expression);
  return ts.isCallExpression(call) && isNew(cx, call, undefined, new Set());
}

function isNew(
  cx: LoweringContext,
  expression: ts.Expression,
  owner: FunctionNode | undefined,
  seen: Set<FunctionNode>,
): boolean {
  const e = skipParentheses(expression);
  if (ts.isObjectLiteralExpression(e)) return true;
  if (ts.isCallExpression(e)) {
    const helper = helperOf(cx.checker, e.expression);
    return helper !== undefined && returnsNewObjects(cx, helper, seen);
  }
  return owner !== undefined && ts.isIdentifier(e) && isNewObjectLocal(cx, e, owner, seen);
}

function returnsNewObjects(cx: LoweringContext, helper: FunctionNode, seen: Set<FunctionNode>): boolean {
  // A helper reached again through its own returns is not known to return new objects.
  if (seen.has(helper)) return false;
  seen.add(helper);
  const body = helper.body;
  if (!body) return false;
  if (!ts.isBlock(body)) return isNew(cx, body, helper, seen);
  const returned: ts.Expression[] = [];
  let bare = false;
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node)) {
      if (node.expression) returned.push(node.expression);
      else bare = true;
    }
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  visit(body);
  return !bare && returned.length > 0 && returned.every((expression) => isNew(cx, expression, helper, seen));
}

/** A local of `owner` given only new objects, and used only through its fields, in
 * comparisons and in returns: no other name ever holds its object. */
function isNewObjectLocal(
  cx: LoweringContext,
  name: ts.Identifier,
  owner: FunctionNode,
  seen: Set<FunctionNode>,
): boolean {
  const symbol = cx.checker.getSymbolAtLocation(name);
  const declaration = symbol?.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return false;
  if (
    declaration.getSourceFile() !== owner.getSourceFile() ||
    declaration.pos < owner.pos ||
    declaration.end > owner.end
  )
    return false;
  if (declaration.initializer && !isNew(cx, declaration.initializer, owner, seen)) return false;
  let onlyOwnUses = true;
  const visit = (node: ts.Node): void => {
    if (!onlyOwnUses) return;
    if (ts.isIdentifier(node) && node !== declaration.name && cx.checker.getSymbolAtLocation(node) === symbol) {
      onlyOwnUses = isOwnUse(cx, node, owner, seen);
    }
    ts.forEachChild(node, visit);
  };
  visit(owner);
  return onlyOwnUses;
}

function isOwnUse(cx: LoweringContext, use: ts.Identifier, owner: FunctionNode, seen: Set<FunctionNode>): boolean {
  const parent = use.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === use) return true;
  if (ts.isReturnStatement(parent)) return true;
  if (!ts.isBinaryExpression(parent)) return false;
  if (equalities.has(parent.operatorToken.kind)) return true;
  const assigned = parent.left === use && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  return assigned && isNew(cx, parent.right, owner, seen);
}
