/**
 * Undefined at compile time: what JavaScript gives for a field an object lacks, when the
 * compiler knows every field the object has. Objects built by object literals are such
 * "closed" objects (`cx.literalObjects`); so are the objects made from them by spreading them,
 * writing their fields, and carrying them through branches that all give closed objects. A
 * name destructured from a field a closed object lacks (`const { alpha } = { r, g, b }`,
 * `({ h, s, l, alpha }) => ...` called with `{ h, s, l }`) holds undefined: the name is left
 * out as a parameter a call leaves out is (omitted-parameters.ts), so `alpha !== undefined`
 * is decided at compile time, assigning it gives it a value, and reading it while it is
 * undefined is a diagnostic. None of this reaches the IR.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { Slot } from "./control-flow.js";
import type { LoweringContext } from "./context.js";
import { fieldsOf } from "./objects.js";
import { bindParameter } from "./omitted-parameters.js";

/** Whether the compiler knows every field `value` has: an object it made from closed parts. */
export function isClosedObject(cx: LoweringContext, value: Value | undefined): boolean {
  return value !== undefined && value.type === "object" && cx.literalObjects.has(value);
}

/** Marks `made` closed when it is made from `sources` alone (a spread of each, or a copy of
 * one with fields written) and every one of them is closed. */
export function keepClosed(cx: LoweringContext, sources: readonly (Value | undefined)[], made: Value): void {
  if (sources.length > 0 && sources.every((source) => isClosedObject(cx, source))) cx.literalObjects.add(made);
}

/** Whether a closed object has nothing at `name` (neither a leaf nor fields under it). */
export function lacksField(cx: LoweringContext, object: Value, name: string): boolean {
  if (!isClosedObject(cx, object)) return false;
  return ![...fieldsOf(cx, object).keys()].some((path) => path === name || path.startsWith(`${name}.`));
}

/** `const { alpha } = color` where the closed object `color` has no `alpha`: binds the name
 * to undefined and returns true; false when the field is there or may be. */
export function bindMissingField(cx: LoweringContext, object: Value, name: string, target: ts.BindingName): boolean {
  if (!ts.isIdentifier(target) || !lacksField(cx, object, name)) return false;
  bindParameter(cx, cx.symbolOf(target), undefined);
  return true;
}

/**
 * After branches: each object variable of `slots` is closed when it is closed in every
 * branch's environment (the `if` op's results made a new object of its leaves).
 */
export function keepClosedAcrossBranches(
  cx: LoweringContext,
  slots: readonly Slot[],
  branches: readonly Map<ts.Symbol, Value>[],
  env: Map<ts.Symbol, Value>,
): void {
  const symbols = new Set(slots.filter((slot) => slot.path !== undefined).map((slot) => slot.symbol));
  for (const symbol of symbols) {
    const merged = env.get(symbol);
    if (merged)
      keepClosed(
        cx,
        branches.map((branch) => branch.get(symbol)),
        merged,
      );
  }
}
