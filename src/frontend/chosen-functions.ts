/**
 * Functions chosen by a condition known at compile time: `from === "hsl" ? convertHslToRgb :
 * convertRgbToLab` where `from` is a string the compiler knows (see string-values.ts), or a
 * guard guards.ts decides. The condition is lowered for its effects and, when it is a
 * constant, the function is the one of the branch taken; a condition known only when the code
 * runs leaves the choice to the caller, which reports it.
 */
import { ts } from "ts-morph";
import type { LoweringContext } from "./context.js";
import { constantCondition } from "./control-flow.js";
import { lowerCondition } from "./expressions.js";
import { knownCondition } from "./guards.js";
import { assignmentTarget } from "./syntax.js";

/** The branch a conditional expression choosing a function takes, when known at compile time. */
export function chosenFunctionExpression(cx: LoweringContext, node: ts.Expression): ts.Expression | undefined {
  if (!ts.isConditionalExpression(node)) return undefined;
  // A function value may be asked for more than once where it is used: only a condition
  // without effects is lowered to decide it.
  const taken =
    knownCondition(cx, node.condition) ??
    (hasEffects(node.condition) ? undefined : constantCondition(cx, lowerCondition(cx, node.condition)));
  if (taken === undefined) return undefined;
  return taken ? node.whenTrue : node.whenFalse;
}

function hasEffects(node: ts.Node): boolean {
  if (ts.isCallExpression(node) || ts.isNewExpression(node) || assignmentTarget(node)) return true;
  return ts.forEachChild(node, (child) => hasEffects(child) || undefined) === true;
}
