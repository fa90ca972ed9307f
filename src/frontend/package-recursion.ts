/**
 * Recursion in package code. A helper of the project that calls itself is refused where it does
 * (calls.ts), with the hint to mark it `@differentiable`; a function of a package cannot be
 * marked, and its recursion usually stops on values computed as it goes (adaptive quadrature
 * halving an interval until an error estimate is small), which inlining cannot unroll. So a
 * package function that calls itself is refused before its body is lowered, naming the
 * recursive call, rather than at whatever else in its body the compiler meets first.
 */
import { ts } from "ts-morph";
import type { FunctionNode } from "./annotations.js";
import { helperOf } from "./calls.js";
import type { LoweringContext } from "./context.js";
import { isPackageFile } from "./library.js";

/** Refuses inlining `helper`, a function of a package, when its body calls it again. */
export function rejectPackageRecursion(cx: LoweringContext, name: string, helper: FunctionNode): void {
  if (!isPackageFile(helper.getSourceFile().fileName) || !helper.body) return;
  const recursive = selfCall(cx, helper, helper.body);
  if (!recursive) return;
  cx.fail(
    recursive,
    "AD1004",
    `'${name}' of a package calls itself: the compiler inlines package functions and cannot unroll a recursion, whose depth is only known when the code runs`,
    "write the computation in the project as a loop of a fixed number of steps (for an adaptive method, a fixed subdivision), which the compiler can differentiate",
  );
}

/** The first call in `node` of `helper` itself, not looking into nested functions. */
function selfCall(cx: LoweringContext, helper: FunctionNode, node: ts.Node): ts.CallExpression | undefined {
  if (ts.isCallExpression(node) && helperOf(cx.checker, node.expression) === helper) return node;
  if (ts.isFunctionLike(node) && node !== helper) return undefined;
  return ts.forEachChild(node, (child) => selfCall(cx, helper, child));
}
