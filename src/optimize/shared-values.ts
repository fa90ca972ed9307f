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
import type { IRFunction, Region, Value } from "../ir/types.js";
import { loopParts } from "../ir/loops.js";
import { arrayReads, changedArrays, computesValue, valueKey } from "./effects.js";

interface Known {
  value: Value;
  /** The array it reads, for reads. */
  array?: Value;
}

export function shareRepeatedValues(fn: IRFunction): void {
  const replacement = new Map<Value, Value>();
  const current = (v: Value): Value => replacement.get(v) ?? v;

  const visit = (region: Region, inherited: ReadonlyMap<string, Known>): void => {
    const known = new Map(inherited);
    const forget = (arrays: ReadonlySet<Value>) => {
      for (const [key, entry] of known) if (entry.array && arrays.has(entry.array)) known.delete(key);
    };
    region.ops = region.ops.filter((op) => {
      op.operands = op.operands.map(current);
      if (computesValue(op)) {
        const key = valueKey(op);
        const earlier = known.get(key);
        const result = op.results[0]!;
        if (earlier && result.name === undefined && earlier.value.type === result.type) {
          replacement.set(result, earlier.value);
          return false;
        }
        if (!earlier) known.set(key, { value: result, ...(arrayReads.has(op.opcode) ? { array: op.operands[0]! } : {}) });
        return true;
      }
      const changed = new Set([...changedArrays(op)].map(current));
      for (const nested of op.regions) {
        const entering = new Map(known);
        if (loopParts(op)) {
          for (const [key, entry] of entering) if (entry.array && changed.has(entry.array)) entering.delete(key);
        }
        visit(nested, entering);
      }
      forget(changed);
      return true;
    });
    region.yields = region.yields.map(current);
  };
  visit(fn.body, new Map());
}
