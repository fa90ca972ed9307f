/**
 * Which reversed loops may run their iterations in primal order (Tapenade's loops with
 * independent iterations): a reversed body that only adds into the adjoints living outside it,
 * and reads none that it adds to, computes the same sums whatever order its iterations run in
 * (up to rounding). Run first to last, such a loop can carry a value that depends on no
 * differentiated input (a running power, `p *= t`) by running its recurrence again, instead of
 * popping each iteration's value from a stack (see `Recording`'s "replayed" reads).
 */
import { operandOf } from "../ir/access.js";
import { allocates, callsFunction, hasEffect, opFacts, readsArray, writesArray } from "../ir/op-definitions.js";
import type { Op, Region, Value } from "../ir/types.js";
import { forEachOp } from "../ir/walk.js";

/**
 * True when the ops of `reversed` (a reversed loop's body) give the same adjoints in any
 * iteration order: no stack is popped but for the values `replayable` accepts, no cell or array
 * made outside is both added to and read, and none is set (a `= 0` after a read is ordered).
 * Arrays made inside and the rows read from them are the iteration's own.
 */
export function runsInAnyOrder(reversed: Region, replayable: (popped: Value) => boolean): boolean {
  const local = new Set<Value>(reversed.params);
  const root = new Map<Value, Value>();
  const rootOf = (v: Value) => root.get(v) ?? v;
  const added = new Set<Value>();
  const read = new Set<Value>();
  let ordered = false;
  forEachOp(reversed.ops, (op) => {
    if (op.opcode === "stack.pop") {
      if (!replayable(op.results[0]!)) ordered = true;
      return;
    }
    if (allocates(op)) op.results.forEach((r) => local.add(r));
    if (opFacts(op.opcode)?.resultAliasesOperand) op.results.forEach((r) => root.set(r, rootOf(operandOf(op, 0))));
    if (op.opcode === "cell.add" || op.opcode === "array.add" || op.opcode === "array.addAll")
      added.add(rootOf(operandOf(op, 0)));
    else if (callsFunction(op)) ordered = true;
    else if ((hasEffect(op, "writes-cell") || writesArray(op)) && !local.has(rootOf(operandOf(op, 0)))) ordered = true;
    if (hasEffect(op, "reads-cell")) read.add(rootOf(operandOf(op, 0)));
    if (readsArray(op) || callsFunction(op)) {
      const readOperands = op.opcode === "array.addAll" ? op.operands.slice(1) : op.operands;
      readOperands.filter((v) => v.type === "array").forEach((v) => read.add(rootOf(v)));
    }
  });
  return !ordered && ![...added].some((target) => !local.has(target) && read.has(target));
}

/** The forward loops whose reversed bodies `reversedBodies` holds and which pop values. */
export function poppingLoops(reversedBodies: ReadonlyMap<Op, Region>): Map<Op, Value[]> {
  const pops = new Map<Op, Value[]>();
  reversedBodies.forEach((region, loop) => {
    const popped: Value[] = [];
    forEachOp(region.ops, (op) => {
      if (op.opcode === "stack.pop") popped.push(op.results[0]!);
    });
    if (popped.length > 0) pops.set(loop, popped);
  });
  return pops;
}
