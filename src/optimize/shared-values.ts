/**
 * Shares repeated values: an unnamed value computed again from the same operands (`x[i] * x[i]`
 * reads x[i] twice) becomes a use of the first one. Besides the work, this saves storage: the
 * reverse sweep records each value a loop iteration computes, so a repeated read was recorded
 * twice.
 *
 * Accepts a verified primal IRFunction; changes it in place, keeping it verified.
 *
 * A value is visible in the rest of its region and in nested regions, so a repeat is looked up
 * among the values computed before it there. Reads of an array are forgotten when an op may
 * change the array, and a loop body forgets, from the start, reads of arrays the loop changes
 * (a later iteration sees the writes of an earlier one). Values the user named stay as they are:
 * only unnamed repeats are replaced, so generated code keeps the user's variables.
 */
import { resultOf } from "../ir/access.js";
import type { IRFunction, Region, Value } from "../ir/types.js";
import { loopParts } from "../ir/loops.js";
import { AvailableValues, changedArrays, computesValue } from "./effects.js";

export function shareRepeatedValues(fn: IRFunction): void {
  const replacement = new Map<Value, Value>();
  const current = (v: Value): Value => replacement.get(v) ?? v;

  const visit = (region: Region, known: AvailableValues): void => {
    region.ops = region.ops.filter((op) => {
      op.operands = op.operands.map(current);
      if (computesValue(op)) {
        const earlier = known.get(op);
        if (earlier && resultOf(op).name === undefined) {
          replacement.set(resultOf(op), resultOf(earlier));
          return false;
        }
        known.add(op);
        return true;
      }
      const changed = new Set([...changedArrays(op)].map(current));
      // A loop's regions run again after its writes; a branch starts from what is known here.
      for (const nested of op.regions) {
        const start = known.copy();
        if (loopParts(op)) start.forgetReadsOf(changed);
        visit(nested, start);
      }
      known.forgetReadsOf(changed);
      return true;
    });
    region.yields = region.yields.map(current);
  };
  visit(fn.body, new AvailableValues());
}
