/**
 * `===` and `!==` of two finite numbers known at compile time (culori's `rgb.r === rgb.b` on a
 * reference colour of literals): the boolean, so that an `if` on it lowers only the branch
 * taken, as JavaScript would run it. The generated TypeScript cannot compare two different
 * literals (the checker refuses `0.2 === 0.8` as comparing types with no overlap). Other
 * comparisons of constants stay as they are written.
 */
import { isOp } from "../ir/attrs.js";
import type { Value } from "../ir/types.js";
import type { PrimitiveName } from "../rules/primitives.js";
import type { LoweringContext } from "./context.js";

const equalities: Partial<Record<PrimitiveName, (a: number, b: number) => boolean>> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
};

/** `a === b` of two finite number constants: the boolean; undefined otherwise. */
export function foldConstantEquality(
  cx: LoweringContext,
  opcode: PrimitiveName,
  left: Value,
  right: Value,
): Value | undefined {
  const compare = equalities[opcode];
  const [a, b] = [finiteConstant(cx, left), finiteConstant(cx, right)];
  if (!compare || a === undefined || b === undefined) return undefined;
  return cx.boolean(compare(a, b));
}

function finiteConstant(cx: LoweringContext, value: Value): number | undefined {
  const op = cx.definingOp(value);
  const constant = op && isOp(op, "const") ? op.attrs.value : undefined;
  return typeof constant === "number" && Number.isFinite(constant) ? constant : undefined;
}
