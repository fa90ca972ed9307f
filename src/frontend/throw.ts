/**
 * `throw new Error("...")` (or another error class): kept in the forward sweep as it is, so the
 * gradient throws the same error where the function does. The path through a `throw` ends
 * there: its outcome is "throws", and an `if` one branch of which throws goes on with the
 * other branch only (see lowerBranches).
 */
import { ts } from "ts-morph";
import type { LoweringContext, Outcome } from "./context.js";
import { lowerExpression } from "./expressions.js";

export function lowerThrow(cx: LoweringContext, statement: ts.ThrowStatement): Outcome {
  const thrown = statement.expression;
  if (!ts.isNewExpression(thrown) || !ts.isIdentifier(thrown.expression)) {
    return cx.fail(
      thrown,
      "AD1003",
      "only 'throw new ErrorClass(...)' is supported in differentiable functions",
      'throw a new error object: throw new Error("...")',
    );
  }
  const operands = (thrown.arguments ?? []).map((argument) => lowerExpression(cx, argument));
  cx.builder.op({
    opcode: "call",
    operands,
    attrs: { callee: thrown.expression.text, throws: true },
    loc: cx.pointAt(statement),
  });
  return "throws";
}
