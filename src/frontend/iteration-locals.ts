/**
 * Variables of library JavaScript declared without a value before a loop and used only as
 * locals of each iteration (`var temp; for (...) { temp = Vector.mult(...); ... }`): every
 * iteration assigns one first, before any other use, and no code outside the loop's body uses
 * it. Such a variable carries nothing from one iteration to the next, nor out of the loop, so
 * the loop does not carry it; this matters for an untyped object, whose fields nothing before
 * the loop says (a placeholder of no fields would lack those the body gives it).
 */
import { ts } from "ts-morph";
import type { LoweringContext } from "./context.js";
import { isUntypedJavaScript } from "./library.js";
import { variableType } from "./uninitialized-variables.js";

/** The iteration locals each loop statement has (see isIterationLocal), to forget after it. */
const localsOf = new WeakMap<ts.Node, Set<ts.Symbol>>();

/**
 * Whether the variable `declaration` declares, without a value, is an untyped object local to
 * each iteration of `loop`: the first statement of the body using it assigns it (`temp = e`,
 * `e` not reading it), and no other code of the function, nor a function in the body, uses it.
 */
export function isIterationLocal(
  cx: LoweringContext,
  symbol: ts.Symbol,
  declaration: ts.VariableDeclaration,
  loop: ts.Node,
): boolean {
  if (!ts.isIterationStatement(loop, false) || !ts.isIdentifier(declaration.name)) return false;
  if (!isUntypedJavaScript(cx.checker, declaration.name)) return false;
  const uses = usesOf(cx, cx.owner(), symbol).filter((use) => use !== declaration.name);
  const body = loop.statement;
  const statements = ts.isBlock(body) ? body.statements : [body];
  const first = statements.find((statement) => uses.some((use) => encloses(statement, use)));
  if (!first || !isPlainAssignment(cx, first, symbol)) return false;
  const inBody = uses.every((use) => encloses(body, use) && !insideFunction(use, body));
  if (!inBody || variableType(cx, declaration.name) !== "object") return false;
  const locals = localsOf.get(loop) ?? new Set<ts.Symbol>();
  locals.add(symbol);
  localsOf.set(loop, locals);
  return true;
}

/** After a loop: its iteration locals hold nothing (their last value was the body's). */
export function forgetIterationLocals(cx: LoweringContext, loop: ts.Node): void {
  for (const symbol of localsOf.get(loop) ?? []) cx.env.delete(symbol);
}

/** `temp = e;` with `e` not reading `temp`. */
function isPlainAssignment(cx: LoweringContext, statement: ts.Statement, symbol: ts.Symbol): boolean {
  if (!ts.isExpressionStatement(statement)) return false;
  const e = statement.expression;
  return (
    ts.isBinaryExpression(e) &&
    e.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isIdentifier(e.left) &&
    cx.checker.getSymbolAtLocation(e.left) === symbol &&
    usesOf(cx, e.right, symbol).length === 0
  );
}

function usesOf(cx: LoweringContext, scope: ts.Node, symbol: ts.Symbol): ts.Identifier[] {
  const uses: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && cx.checker.getSymbolAtLocation(node) === symbol) uses.push(node);
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return uses;
}

function encloses(outer: ts.Node, inner: ts.Node): boolean {
  return inner.getStart() >= outer.getStart() && inner.getEnd() <= outer.getEnd();
}

function insideFunction(node: ts.Node, scope: ts.Node): boolean {
  for (let n = node.parent; n && n !== scope; n = n.parent) if (ts.isFunctionLike(n)) return true;
  return false;
}
