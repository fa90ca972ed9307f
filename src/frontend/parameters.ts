/**
 * The differentiable function's parameters beyond plain ones: defaults, optional parameters,
 * destructured parameters. (lower.ts lowers each parameter; this file says what a default or a
 * pattern becomes.)
 *
 * - A default must be a literal (`eps = 1e-8`, `flag = false`, `unit = "m"`); the gradient
 *   function's parameter has the same default.
 * - An optional parameter (`y?: number`) must be read only as `y ?? <literal>`, with one
 *   literal: it is the parameter `y = <literal>`, and each `y ?? <literal>` reads `y`.
 * - A rest parameter of numbers (`...xs: number[]`) is one in the gradient function too, and
 *   its gradient an array; the gradient function then has no `out` parameter (nothing may
 *   follow a rest parameter), and a function returning an array or an object (whose gradient
 *   takes the cotangent last) cannot have one.
 * - A destructured parameter (`{ x, y }: P`, `[a, b]: [number, number]`) is one parameter of
 *   the gradient function as well, named `arg<position>` (counted from 0), which also keys its
 *   gradient: `grad.arg0.x`. Its names are bound as a `const { x, y } = arg0` would bind them.
 */
import { ts } from "ts-morph";
import type { LoweringContext } from "./context.js";
import { skipParentheses } from "./syntax.js";

/** Refuses a rest parameter that is not of numbers, or one of a function whose gradient
 * function takes a cotangent after it. */
export function checkRestParameter(cx: LoweringContext, p: ts.ParameterDeclaration, returnsNumber: boolean): void {
  if (!p.dotDotDotToken) return;
  const type = cx.checker.getTypeAtLocation(p);
  const numbers =
    cx.arrayKind(type) === "Array" &&
    cx.checker.isArrayType(type) &&
    cx.irType(cx.checker.getIndexTypeOfType(type, ts.IndexKind.Number) ?? type) === "number" &&
    ts.isIdentifier(p.name);
  if (!numbers || !returnsNumber) {
    cx.fail(
      p,
      "AD1009",
      numbers
        ? `rest parameter '${p.name.getText(cx.sourceFile)}' of a function returning an array or an object is not supported: its gradient takes the cotangent last`
        : `rest parameter '${p.name.getText(cx.sourceFile)}' is supported only as '...${p.name.getText(cx.sourceFile)}: number[]'`,
      "take the numbers as an array parameter: f(xs: number[])",
    );
  }
}

/** Optional parameters of each function being lowered, read as `y ?? <literal>`. */
const optionalParameters = new WeakMap<LoweringContext, Set<ts.Symbol>>();

/** The name of a parameter in the gradient function and its `grad`. */
export function parameterName(p: ts.ParameterDeclaration): string {
  return ts.isIdentifier(p.name) ? p.name.text : `arg${p.parent.parameters.indexOf(p)}`;
}

function literalText(cx: LoweringContext, expression: ts.Expression): string | undefined {
  const inner = skipParentheses(expression);
  const negated =
    ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.MinusToken ? inner.operand : undefined;
  const literal = negated ?? inner;
  const isLiteral =
    ts.isNumericLiteral(literal) ||
    (negated === undefined &&
      (ts.isStringLiteral(literal) ||
        inner.kind === ts.SyntaxKind.TrueKeyword ||
        inner.kind === ts.SyntaxKind.FalseKeyword));
  return isLiteral ? inner.getText(cx.sourceFile) : undefined;
}

/**
 * The default the gradient function's parameter takes: the default as written, or the literal
 * of an optional parameter's `??`; undefined for a parameter that has neither.
 */
export function parameterDefault(cx: LoweringContext, p: ts.ParameterDeclaration): string | undefined {
  if (p.initializer) {
    const text = literalText(cx, p.initializer);
    if (text === undefined) {
      cx.fail(
        p.initializer,
        "AD1009",
        `the default of parameter '${p.name.getText(cx.sourceFile)}' is not a literal, which is not supported yet`,
        "give the parameter a literal default (eps = 1e-8), or make the caller pass the value",
      );
    }
    return text;
  }
  if (!p.questionToken) return undefined;
  return optionalDefault(cx, p);
}

/** The one literal every read of an optional parameter supplies with `??`. */
function optionalDefault(cx: LoweringContext, p: ts.ParameterDeclaration): string {
  const reject = (node: ts.Node): never =>
    cx.fail(
      node,
      "AD1009",
      `the optional parameter '${p.name.getText(cx.sourceFile)}' is supported only when every read of it is '${p.name.getText(cx.sourceFile)} ?? <literal>', with one literal`,
      `give the parameter a default instead: ${p.name.getText(cx.sourceFile)} = 1`,
    );
  if (!ts.isIdentifier(p.name)) return reject(p);
  const symbol = cx.symbolOf(p.name);
  const defaults = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node !== p.name && cx.checker.getSymbolAtLocation(node) === symbol) {
      let use: ts.Node = node;
      while (ts.isParenthesizedExpression(use.parent)) use = use.parent;
      const nullish = use.parent;
      const literal =
        ts.isBinaryExpression(nullish) &&
        nullish.left === use &&
        nullish.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken
          ? literalText(cx, nullish.right)
          : undefined;
      defaults.add(literal ?? reject(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(cx.fn.node);
  const [only] = defaults;
  if (defaults.size !== 1 || only === undefined) return reject(p);
  optionalParameters.set(cx, (optionalParameters.get(cx) ?? new Set()).add(symbol));
  return only;
}

/** True for `y ?? <literal>` of an optional parameter `y`, whose value is never undefined in
 * the gradient function (its parameter has the literal as its default). */
export function isDefaultedOptional(cx: LoweringContext, expression: ts.Expression): boolean {
  const inner = skipParentheses(expression);
  if (!ts.isIdentifier(inner)) return false;
  const symbol = cx.checker.getSymbolAtLocation(inner);
  return symbol !== undefined && (optionalParameters.get(cx)?.has(symbol) ?? false);
}
