/**
 * What an untyped JavaScript function returns when it returns the call of a function it
 * captured (`return fn(args)` in a wrapper, `return to(from(args))` composing two): the checker
 * types such a call `any`, but the function called is known at compile time, so its own returns
 * say what the wrapper gives (an array for color-convert's conversions). Undefined when the
 * function returns no such call, and the lowering decides as for other untyped returns. The
 * wrapper's other returns (`return arg0` for an argument it was not given) are not asked: the
 * lowering checks every value returned against this type, so a wrong guess is a diagnostic.
 */
import { ts } from "ts-morph";
import type { Type } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { FunctionValue } from "./functions.js";
import { untypedReturnType } from "./library.js";
import { skipParentheses } from "./syntax.js";

export function wrappedReturnType(cx: LoweringContext, target: FunctionValue): Type | undefined {
  let found: Type | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isReturnStatement(node) && node.expression) found = capturedCallReturnType(cx, target, node.expression);
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  if (target.node.body) visit(target.node.body);
  return found;
}

function capturedCallReturnType(
  cx: LoweringContext,
  target: FunctionValue,
  returned: ts.Expression,
  seen: ReadonlySet<ts.Node> = new Set(),
): Type | undefined {
  const node = skipParentheses(returned);
  if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression)) return undefined;
  const symbol = cx.checker.getSymbolAtLocation(node.expression);
  const callee = symbol && (target.captured.get(symbol) ?? cx.functions.get(symbol));
  if (!(callee instanceof FunctionValue) || seen.has(callee.node)) return undefined;
  const declared = cx.checker.getReturnTypeOfSignature(cx.checker.getSignatureFromDeclaration(callee.node)!);
  if (!(declared.flags & ts.TypeFlags.Any)) return cx.irType(cx.checker.getNonNullableType(declared));
  const inner = new Set([...seen, callee.node]);
  return untypedReturnType(
    callee.node,
    [],
    (r) => capturedCallReturnType(cx, callee, r, inner) ?? cx.irType(cx.checker.getTypeAtLocation(r)),
  );
}
