/**
 * Expressions that evaluate a part only sometimes, or only for its effects, in JavaScript's
 * order: ternaries whose arms assign variables (`(t -= 2) * t`), `||`, `&&` and `??` choosing
 * between numbers (the derivative is the chosen operand's), and the comma operator.
 *
 * An arm is lowered into a region of its own with its own copy of the environment, as a branch
 * of an `if` statement is; the variables an arm assigns leave the `if` op as results after the
 * chosen value.
 */
import { ts } from "ts-morph";
import { emptyRegion } from "../ir/builder.js";
import type { Region, Type, Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { assignedSlots, assignSlots, choose, inBranch, slotName, slotValue } from "./control-flow.js";
import { rejectFieldSetInOneBranch } from "./defaults.js";
import { lowerExpression, lowerNumber } from "./expressions.js";
import { rejectOmittedAssignedIn } from "./omitted-parameters.js";
import { isDefaultedOptional } from "./parameters.js";
import { skipParentheses } from "./syntax.js";

/** One arm of a conditional expression: its region, the value it ends with, the variables after it. */
export interface Arm {
  region: Region;
  value: Value;
  env: Map<ts.Symbol, Value>;
}

/** Lowers `build` as an arm: into a new region, with its own copy of the environment. */
export function lowerArm(cx: LoweringContext, build: () => Value): Arm {
  const region = emptyRegion();
  const { result, env } = inBranch(cx, region, cx.env, build);
  return { region, value: result, env };
}

/** An arm that computes nothing: `value`, already computed before the choice. */
function alreadyComputed(cx: LoweringContext, value: Value): Arm {
  return { region: emptyRegion(), value, env: cx.env };
}

/**
 * An `if` op choosing between the arms' values (see choose); when an arm assigns variables, the
 * op's further results are their values after it, and the variables are rebound to them.
 */
export function chooseArm(
  cx: LoweringContext,
  node: ts.Node,
  condition: Value,
  arms: [Arm, Arm],
  reject: () => never,
): Value {
  const [then, otherwise] = arms;
  const regions: [Region, Region] = [then.region, otherwise.region];
  const slots = assignedSlots(cx, node, cx.env, then.env, otherwise.env);
  if (slots.length === 0) return choose(cx, condition, regions, [then.value, otherwise.value], reject);
  if (then.value.type === "object" || then.value.type === "array") reject();
  const types = slots.map((slot): Type => (slotValue(cx, then.env, slot) ?? slotValue(cx, otherwise.env, slot))!.type);
  if (types.includes("array")) {
    cx.fail(
      node,
      "AD1004",
      "assigning an array variable inside a conditional expression is not supported yet",
      "write into the array's elements instead",
    );
  }
  for (const arm of arms) {
    const leaves = slots.map((slot, k) => {
      const value = slotValue(cx, arm.env, slot);
      if (value) return value;
      rejectOmittedAssignedIn(cx, node, slot.symbol, "one branch only");
      if (slot.path !== undefined) rejectFieldSetInOneBranch(cx, node, slot.symbol, slot.path);
      return cx.builder.inRegion(arm.region, () => cx.builder.emit("undef", [], types[k]!));
    });
    arm.region.yields = [arm.value, ...leaves];
  }
  const op = cx.builder.op({
    opcode: "if",
    operands: [condition],
    regions,
    results: [{ type: then.value.type }, ...slots.map((slot, k) => ({ type: types[k]!, name: slotName(slot) }))],
  });
  const [chosen, ...assigned] = op.results;
  assignSlots(cx, cx.env, slots, assigned, cx.env);
  return chosen!;
}

/** `a || b`, `a && b` of numbers: the operand JavaScript gives, `b` evaluated only when chosen. */
export function lowerNumericLogical(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  const left = lowerNumber(cx, expression.left);
  const isAnd = expression.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken;
  const right = skipParentheses(expression.right);
  if (!isAnd && ts.isNumericLiteral(right) && Number(right.text) === 0) {
    // `a || 0` is `a + 0` but for NaN (where `a` is 0 it gives 0 too, and `-0 + 0` is the 0 that
    // `-0 || 0` gives): chosen by NaN, it keeps the derivative of `a` at 0, which choosing by
    // truthiness would drop.
    const isNaN = cx.builder.emit("ne", [left, left], "boolean");
    const zero = lowerArm(cx, () => lowerNumber(cx, right));
    const operand = lowerArm(cx, () => cx.builder.emit("add", [left, cx.builder.constant(0)], "number"));
    return chooseArm(cx, expression, isNaN, [zero, operand], () => cx.unsupported(expression));
  }
  const truthy = cx.builder.emit("truthy", [left], "boolean");
  const leftArm = alreadyComputed(cx, left);
  const rightArm = lowerArm(cx, () => lowerNumber(cx, expression.right));
  return chooseArm(cx, expression, truthy, isAnd ? [rightArm, leftArm] : [leftArm, rightArm], () =>
    cx.unsupported(expression),
  );
}

/** `a ?? b`: `a`, which the type checker knows is never null or undefined, so `b` is never evaluated. */
export function lowerNullish(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  if (isDefaultedOptional(cx, expression.left)) return lowerExpression(cx, expression.left);
  if (ts.isElementAccessExpression(skipParentheses(expression.left))) {
    cx.fail(
      expression.left,
      "AD1004",
      "'??' after an element read is not supported: a read past the end is undefined at run time, which its type does not say",
      "test the index against the array's length instead: i < xs.length ? xs[i] : 0",
    );
  }
  const leftType = cx.checker.getTypeAtLocation(expression.left);
  if (cx.checker.getNonNullableType(leftType) !== leftType) {
    cx.fail(
      expression.left,
      "AD1004",
      `'??' is supported only on values that are never null or undefined; this one has type '${cx.checker.typeToString(leftType)}'`,
      "give the value a default where it is created, or test it with an if statement outside the differentiable function",
    );
  }
  return lowerExpression(cx, expression.left);
}

/** `a, b`: `a` for its effects, then `b`. */
export function lowerComma(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  lowerExpression(cx, expression.left);
  return lowerExpression(cx, expression.right);
}
