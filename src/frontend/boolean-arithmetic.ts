/**
 * Booleans in arithmetic, converted to numbers as JavaScript converts them: culori's CIEDE2000
 * writes `hp += (hp < 0) * 2 * Math.PI`, which is `(hp < 0 ? 1 : 0) * 2 * Math.PI`, a
 * `select` of the constants 1 and 0 (its derivative is zero: the number is piecewise constant).
 * TypeScript refuses such code, so only the JavaScript of packages reaches here.
 */
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";

/** The number an operand of arithmetic is: a boolean as 1 or 0, any other value as it is. */
export function numericOperand(cx: LoweringContext, value: Value): Value {
  if (value.type !== "boolean") return value;
  return cx.builder.emit("select", [value, cx.builder.constant(1), cx.builder.constant(0)], "number");
}
