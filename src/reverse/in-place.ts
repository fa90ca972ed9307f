/**
 * Accumulation in place: where the adjoint of a sum can stay where it is instead of being moved.
 *
 * Facts about the primal IR the adjoint writer asks while it reverses a loop or an element
 * write; each depends only on the primal, never on the adjoints written so far.
 */
import { at, operandOf } from "../ir/access.js";
import { loopParts } from "../ir/loops.js";
import type { Op, Region, Value } from "../ir/types.js";
import { countUses } from "../ir/walk.js";
import { callsFunction, writesArray } from "../ir/op-definitions.js";

/** The contributions a loop-carried cell makes implicitly, by being left as it is: each an op and
 * the operand or yield it would otherwise pass the adjoint to. */
export interface InPlace {
  marks: [Op, Value][];
  /** The next value comes out of an inner loop that starts from the carried one. */
  throughLoop: boolean;
}

/**
 * For `s = s + t` (or `s - t`, `t + s`) where the body reads `s` nowhere else, the adjoint of
 * `s` in one iteration is that of the next `s`: the reversed loop leaves the cell as it is
 * instead of emptying it and adding it back. The same holds along branches that add to `s` or
 * leave it alone (`if (x[i] > 0) s += x[i]`), and when the next `s` comes out of an inner loop
 * that starts from `s` (nested sums). Returns the contributions the cell makes implicitly (an
 * op and the operand or yield it would otherwise pass the adjoint to), or undefined.
 */
export function accumulatesInPlace(body: Region, param: Value, next: Value): InPlace | undefined {
  if (countUses(body, next) !== 1) return undefined;
  const op = body.ops.find((candidate) => candidate.results.includes(next));
  const loop = op && loopParts(op);
  if (loop) {
    const startsFromParam = loop.inits[op.results.indexOf(next)] === param && countUses(body, param) === 1;
    return startsFromParam ? { marks: [[op, param]], throughLoop: true } : undefined;
  }
  const path = additivePath(body, param, next);
  return path && path.leaves === countUses(body, param) ? { marks: path.marks, throughLoop: false } : undefined;
}

/** How `value` is `param` plus other terms, through adds, subtractions and branches, if it is. */
function additivePath(
  region: Region,
  param: Value,
  value: Value,
): { marks: [Op, Value][]; leaves: number } | undefined {
  if (value === param) return { marks: [], leaves: 1 };
  const op = region.ops.find((candidate) => candidate.results.includes(value));
  if (!op) return undefined;
  if ((op.opcode === "add" || op.opcode === "sub") && op.operands[0] !== op.operands[1]) {
    for (const operand of op.opcode === "sub" ? [operandOf(op, 0)] : op.operands) {
      if (operand !== param && countUses(region, operand) !== 1) continue;
      const rest = additivePath(region, param, operand);
      // Only the step that hands the adjoint to `s` itself is left to the cell.
      if (rest) return { marks: operand === param ? [[op, operand]] : rest.marks, leaves: rest.leaves };
    }
    return undefined;
  }
  if (op.opcode !== "if") return undefined;
  const k = op.results.indexOf(value);
  const branches = op.regions.map((branch) => {
    const yielded = at(branch.yields, k, "yield of a branch");
    if (yielded !== param && countUses(branch, yielded) !== 1) return undefined;
    const rest = additivePath(branch, param, yielded);
    return rest && { marks: yielded === param ? [[op, yielded] as [Op, Value]] : rest.marks, leaves: rest.leaves };
  });
  if (branches.some((b) => b === undefined)) return undefined;
  return { marks: branches.flatMap((b) => b!.marks), leaves: branches.reduce((sum, b) => sum + b!.leaves, 0) };
}

/**
 * For `a[i] = a[i] + t` (or `a[i] - t`, `t + a[i]`), the old element's adjoint is the new one's:
 * the element's adjoint stays as it is rather than being emptied and added back. Returns the
 * `add`/`sub` op and the old element it reads, or undefined.
 */
export function updatesInPlace(
  set: Op,
  primalDefinition: ReadonlyMap<Value, Op>,
  primalRegionOf: ReadonlyMap<Value, Region>,
): { op: Op; old: Value } | undefined {
  const [array, index, value] = set.operands as [Value, Value, Value];
  const op = primalDefinition.get(value);
  if (!op || !(op.opcode === "add" || op.opcode === "sub") || op.operands[0] === op.operands[1]) return undefined;
  const candidates = op.opcode === "sub" ? [operandOf(op, 0)] : op.operands;
  const old = candidates.find((v) => {
    const read = primalDefinition.get(v);
    return read?.opcode === "array.get" && read.operands[0] === array && read.operands[1] === index;
  });
  if (!old || countUses(primalRegionOf.get(old)!, old) !== 1) return undefined;
  return noWriteBetween(primalRegionOf.get(old)!, primalDefinition.get(old)!, set) ? { op, old } : undefined;
}

/**
 * True when nothing between the element read and the write can change the array: a write in
 * between (`t = a[0]; a[0] = x; a[0] = t + y`) leaves the old element's adjoint to that write.
 * Both must be ops of one region; any write into an array, call or nested region between them
 * counts.
 */
function noWriteBetween(region: Region, read: Op, set: Op): boolean {
  const from = region.ops.indexOf(read);
  const to = region.ops.indexOf(set);
  if (from < 0 || to < from) return false;
  return region.ops
    .slice(from + 1, to)
    .every((op) => !writesArray(op) && !callsFunction(op) && op.regions.length === 0);
}
