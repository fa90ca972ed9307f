/**
 * Defaults of optional fields: `options.eps ?? 1e-3`. The compiler has no undefined values, but
 * it knows at compile time which fields an object has: a field an object holds is its value,
 * and a field missing from an object built by a literal (`{ scale: 2 }` passed to a helper) is
 * undefined, so the default is taken. A parameter's object may hold optional fields its leaves
 * leave out, so a default of one of its missing fields is an error rather than a guess.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import { lowerNullish } from "./conditional-values.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { field, fieldsOf } from "./objects.js";
import { skipParentheses } from "./syntax.js";

const mayBeMissing = (type: ts.Type) =>
  (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Undefined | ts.TypeFlags.Null)) !== 0 ||
  (type.isUnion() && type.types.some(mayBeMissing));

/** `a ?? b` on an object's field: `a` when the compiler knows it is set, `b` when it knows it is
 * not; on any other value, see lowerNullish. */
export function lowerFieldDefault(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  const left = skipParentheses(expression.left);
  if (!ts.isPropertyAccessExpression(left) || cx.irType(cx.checker.getTypeAtLocation(left.expression)) !== "object") {
    return lowerNullish(cx, expression);
  }
  if (!mayBeMissing(cx.checker.getTypeAtLocation(left))) return lowerExpression(cx, left);
  const object = lowerExpression(cx, left.expression);
  const name = left.name.text;
  const present = [...fieldsOf(cx, object).keys()].some((path) => path === name || path.startsWith(`${name}.`));
  if (present) return field(cx, object, name, left.name);
  if (!cx.literalObjects.has(object)) {
    return cx.fail(
      left,
      "AD1009",
      `whether '${left.getText()}' is set is known only when the code runs: it may be undefined, and optional fields of parameters are not supported yet`,
      "make the field required and give it its value before the call, or build the object with an object literal in the differentiable function",
    );
  }
  return lowerExpression(cx, expression.right);
}

/** Rejects a field one branch sets on an object and the other does not: after the branch,
 * whether the field is undefined is known only when the code runs. */
export function rejectFieldSetInOneBranch(
  cx: LoweringContext,
  statement: ts.Node,
  symbol: ts.Symbol,
  path: string,
): never {
  // Inside a constructor or method, the object is `this` (held by a variable of the lowering's).
  const variable = cx.thisBinding?.symbol === symbol ? "this" : symbol.name;
  return cx.fail(
    statement,
    "AD1004",
    `the field '${path}' of '${variable}' is set in one branch only: whether it is undefined after the branch is known only when the code runs`,
    `give '${variable}.${path}' a value before the branch, or set it in both branches`,
  );
}
