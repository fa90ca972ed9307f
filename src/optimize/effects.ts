/**
 * What the passes of this folder need to know about ops: which ones compute a value from their
 * operands alone (so that two of them with the same operands are equal, and one may move), which
 * arrays an op may change, and which values computed earlier still hold. The facts about each
 * opcode come from `ir/op-definitions.ts`.
 */
import { operandOf } from "../ir/access.js";
import { callsFunction, isShareable, readsArray, writesArray } from "../ir/op-definitions.js";
import type { Op, Value } from "../ir/types.js";
import { forEachOp } from "../ir/walk.js";

/** One value that depends only on the op's operands and attrs (and, for a read, the array's
 * elements): see `OpFacts.shareable`. */
export function computesValue(op: Op): boolean {
  return op.results.length === 1 && op.regions.length === 0 && isShareable(op);
}

/** A key equal for two ops exactly when they compute the same value from the same operands. */
export function valueKey(op: Op, operand: (v: Value) => Value = (v) => v): string {
  return `${op.opcode}(${op.operands.map((v) => operand(v).id).join(",")})${JSON.stringify(op.attrs)}`;
}

/** The arrays `op`, or any op nested in it, may change: those it writes into and those it passes
 * to a call (a function kept as a call may write into its array arguments). */
export function changedArrays(op: Op): Set<Value> {
  const changed = new Set<Value>();
  forEachOp([op], (inner) => {
    if (writesArray(inner)) changed.add(operandOf(inner, 0));
    if (callsFunction(inner)) inner.operands.filter((v) => v.type === "array").forEach((v) => changed.add(v));
  });
  return changed;
}

/**
 * The values computed so far along a region that still hold, by `valueKey` (the first of equal
 * ones): a read is forgotten once an op may change its array.
 */
export class AvailableValues {
  private readonly byKey = new Map<string, Op>();
  /** The keys of the reads of each array. */
  private readonly readsOf = new Map<Value, string[]>();

  /** The op computing what `op` computes, if there is one. */
  get(op: Op): Op | undefined {
    return this.byKey.get(valueKey(op));
  }

  /** Records the value `op` computes, unless an earlier op computes it. */
  add(op: Op): void {
    if (!computesValue(op)) return;
    const key = valueKey(op);
    if (this.byKey.has(key)) return;
    this.byKey.set(key, op);
    if (!readsArray(op)) return;
    const array = operandOf(op, 0);
    const keys = this.readsOf.get(array);
    if (keys) keys.push(key);
    else this.readsOf.set(array, [key]);
  }

  forgetReadsOf(arrays: Iterable<Value>): void {
    for (const array of arrays) {
      this.readsOf.get(array)?.forEach((key) => this.byKey.delete(key));
      this.readsOf.delete(array);
    }
  }

  copy(): AvailableValues {
    const copy = new AvailableValues();
    this.byKey.forEach((op, key) => copy.byKey.set(key, op));
    this.readsOf.forEach((keys, array) => copy.readsOf.set(array, [...keys]));
    return copy;
  }
}
