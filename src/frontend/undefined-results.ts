/**
 * A function that returns a value on some paths and reaches its end on another returns
 * `undefined` there, which differentiable code cannot compute with. When that `undefined`
 * can only reach code that throws on it (color-convert's `hsv.rgb`, returned by a wrapper
 * `return fn(args)`, then destructured by the user, `const [r, g, b] = ...`, which throws a
 * TypeError), the path is lowered as that throw: the gradient throws where the function does.
 * Anything else the call's result meets (a test for `undefined`, an assignment) keeps the
 * diagnostic.
 */
import { ts } from "ts-morph";
import type { Region } from "../ir/types.js";
import type { FunctionNode } from "./annotations.js";
import { helperOf } from "./calls.js";
import type { LoweringContext } from "./context.js";
import { FunctionValue } from "./functions.js";
import { inlinedCalls } from "./inlined-calls.js";
import { outermostWrapper } from "./syntax.js";

/**
 * True when the `undefined` the function being inlined returns reaches, through calls returning
 * it, a destructuring or a property read of it: code that throws on it. Each call on the way
 * must give its function's result (a callback's result goes into the array method's work, not
 * to the method's call) and sit directly in the function inlined before it.
 */
function undefinedResultThrows(cx: LoweringContext): boolean {
  // The calls inlineFunction is inlining, innermost last, each the call of cx.inlined's entry.
  const calls = inlinedCalls(cx);
  for (let k = cx.inlined.length - 1, c = calls.length - 1; k >= 0; k--, c--) {
    const entry = calls[c];
    if (!entry || entry.callee !== cx.inlined[k] || passesItsFunction(cx, entry.call, entry.callee)) return false;
    const caller = k > 0 ? cx.inlined[k - 1]! : cx.fn.node;
    if (ts.findAncestor(entry.call.parent, ts.isFunctionLike) !== caller) return false;
    const node = outermostWrapper(entry.call);
    const parent = node.parent;
    // Returned by the caller, whose own call is the one before.
    if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === node)) continue;
    const destructured =
      ts.isVariableDeclaration(parent) && parent.initializer === node && !ts.isIdentifier(parent.name);
    const read =
      (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node;
    return destructured || read;
  }
  return false;
}

/** True when `call` is given `fn` to call (a callback), rather than calling it for its result. */
function passesItsFunction(cx: LoweringContext, call: ts.CallExpression, fn: FunctionNode): boolean {
  return call.arguments.some((arg) => {
    if (arg.pos <= fn.pos && fn.end <= arg.end && arg.getSourceFile() === fn.getSourceFile()) return true;
    const symbol = ts.isIdentifier(arg) ? cx.checker.getSymbolAtLocation(arg) : undefined;
    const named = symbol && cx.functions.get(symbol);
    return (named instanceof FunctionValue && named.node === fn) || helperOf(cx.checker, arg) === fn;
  });
}

/**
 * Makes the region of the path that reaches the end of the function throw, when its
 * `undefined` only reaches code that throws on it; false when it may reach anything else.
 */
export function throwForUndefinedResult(cx: LoweringContext, region: Region): boolean {
  if (!undefinedResultThrows(cx)) return false;
  cx.builder.inRegion(region, () => {
    const message = cx.builder.emit("string", [], "string", { value: "the function returned undefined" });
    cx.builder.op({ opcode: "call", operands: [message], attrs: { callee: "TypeError", throws: true } });
  });
  return true;
}
