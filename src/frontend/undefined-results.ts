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
import type { LoweringContext } from "./context.js";

/** The calls of the functions being inlined (`cx.inlined`), outermost first. */
const callStacks = new WeakMap<LoweringContext, ts.CallExpression[]>();

/** Records the call of the function inlineFunction has just entered; returns what leaves it. */
export function enterCall(cx: LoweringContext, call: ts.CallExpression): () => void {
  let stack = callStacks.get(cx);
  if (!stack) callStacks.set(cx, (stack = []));
  // One call per function inlined: recovery from an error may have left the functions it was in.
  stack.length = cx.inlined.length - 1;
  stack.push(call);
  return () => void stack.pop();
}

/**
 * True when the `undefined` the function being inlined returns reaches, through calls returning
 * it, a destructuring or a property read of it: code that throws on it.
 */
function undefinedResultThrows(cx: LoweringContext): boolean {
  const stack = (callStacks.get(cx) ?? []).slice(0, cx.inlined.length);
  for (let k = stack.length - 1; k >= 0; k--) {
    let node: ts.Node = stack[k]!;
    while (
      ts.isParenthesizedExpression(node.parent) ||
      ts.isNonNullExpression(node.parent) ||
      ts.isAsExpression(node.parent)
    )
      node = node.parent;
    const parent = node.parent;
    // Returned by the caller, which is itself inlined at the call before.
    if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === node)) continue;
    const destructured =
      ts.isVariableDeclaration(parent) && parent.initializer === node && !ts.isIdentifier(parent.name);
    const read =
      (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node;
    return destructured || read;
  }
  return false;
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
