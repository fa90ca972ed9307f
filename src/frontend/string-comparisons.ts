/**
 * Comparisons of two string literals (after constants are read: a `switch (order)` on a module
 * constant `ANGLE_ORDER = "zyx"`, as gl-matrix's `fromEuler` is written) are decided at compile
 * time, so only the case taken is compiled.
 */
import { isOp } from "../ir/attrs.js";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";

const decide: ReadonlyMap<string, (a: string, b: string) => boolean> = new Map([
  ["eq", (a: string, b: string) => a === b],
  ["ne", (a: string, b: string) => a !== b],
]);

/** The boolean a comparison of two string literals gives; undefined for other operands. */
export function compareStringLiterals(
  cx: LoweringContext,
  opcode: string,
  left: Value,
  right: Value,
): Value | undefined {
  const [a, b] = [left, right].map((value) => {
    const definition = cx.definingOp(value);
    return definition && isOp(definition, "string") ? definition.attrs.value : undefined;
  });
  const comparison = decide.get(opcode);
  return comparison && a !== undefined && b !== undefined ? cx.boolean(comparison(a, b)) : undefined;
}
