/**
 * What the primal passes of this folder need to know about ops: which ones compute a value from
 * their operands alone (so that two of them with the same operands are equal, and one may move),
 * and which arrays an op may change.
 */
import { primitive } from "../rules/primitives.js";
import type { Op, Value } from "../ir/types.js";

/** Ops that read an array: their value also depends on the array's elements or length. */
export const arrayReads = new Set(["array.get", "array.row", "array.length"]);

/** Ops whose result depends only on their operands and attrs (and, for reads, the array). */
const valueOps = new Set(["const", "string", "bool", "stop", "field", ...arrayReads]);

export function computesValue(op: Op): boolean {
  return op.results.length === 1 && op.regions.length === 0 && (valueOps.has(op.opcode) || primitive(op.opcode) !== undefined);
}

/** A key equal for two ops exactly when they compute the same value from the same operands. */
export function valueKey(op: Op, operand: (v: Value) => Value = (v) => v): string {
  return `${op.opcode}(${op.operands.map((v) => operand(v).id).join(",")})${JSON.stringify(op.attrs)}`;
}

/** The arrays `op`, or any op nested in it, may change: those it writes into and those it passes
 * to a call (a function kept as a call may write into its array arguments). */
export function changedArrays(op: Op, into = new Set<Value>()): Set<Value> {
  if (op.opcode === "array.set") into.add(op.operands[0]!);
  if (op.opcode === "call") op.operands.filter((v) => v.type === "array").forEach((v) => into.add(v));
  for (const region of op.regions) region.ops.forEach((nested) => changedArrays(nested, into));
  return into;
}
