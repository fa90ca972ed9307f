/**
 * The calls being inlined, innermost last, with the arguments each one gives: what the
 * constructs that look at the call from inside the callee need (`arguments`, see
 * arguments-object.ts; whether the call's result is used, see null-returns.ts).
 */
import { ts } from "ts-morph";
import type { FunctionNode } from "./annotations.js";
import type { LoweringContext } from "./context.js";
import type { Argument } from "./functions.js";

export interface InlinedCall {
  call: ts.CallExpression;
  callee: FunctionNode;
  /** The arguments the callee receives, in order (those `.bind` gave first). */
  args: readonly Argument[];
}

const callStacks = new WeakMap<LoweringContext, InlinedCall[]>();

/** Notes the start of an inlined call; the function returned notes its end. */
export function enterInlinedCall(cx: LoweringContext, entry: InlinedCall): () => void {
  let stack = callStacks.get(cx);
  if (!stack) callStacks.set(cx, (stack = []));
  stack.push(entry);
  return () => {
    stack.pop();
  };
}

/** The calls being inlined, innermost last. */
export function inlinedCalls(cx: LoweringContext): readonly InlinedCall[] {
  return callStacks.get(cx) ?? [];
}

/** The innermost function (not an arrow, which has no `arguments` of its own) around a node. */
export function enclosingFunction(node: ts.Node): ts.Node | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n) && !ts.isArrowFunction(n)) return n;
  }
  return undefined;
}

/** The inlined call whose callee's body holds `node` directly: the call `arguments` there
 * refers to; undefined when the innermost call is not of that function. */
export function callAround(cx: LoweringContext, node: ts.Node): InlinedCall | undefined {
  const innermost = inlinedCalls(cx).at(-1);
  return innermost && enclosingFunction(node) === innermost.callee ? innermost : undefined;
}
