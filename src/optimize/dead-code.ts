/**
 * Dead-code removal: drops ops whose results nothing reads, when the caller says they may go.
 *
 * Accepts any verified IRFunction body; keeps it verified (an op goes only when none of its
 * results is read, so no use is left without its definition).
 *
 * Removing an op can leave its operands unread, so each removal may make the ops defining them
 * dead in turn: uses are counted once and a worklist follows the removals, so the cost is linear
 * in the size of the body. The ops kept are exactly those some kept op, or a yield, reads (or
 * that may not go). Which ops may go is the caller's choice: the pipeline removes the lowering's
 * leftover objects from the primal (whose other ops are the user's code, kept as written) and the
 * pure ops the adjoint algebra's simplifications left unread in the reverse sweep.
 */
import type { Op, Region, Value } from "../ir/types.js";
import { forEachOp, walk } from "../ir/walk.js";

/** `from`: the first op of the body's top level that may go (nested regions are swept whole). */
export function removeDeadOps(body: Region, removable: (op: Op) => boolean, from = 0): void {
  const uses = new Map<Value, number>();
  const countUses = (values: readonly Value[], by: number) =>
    values.forEach((v) => uses.set(v, (uses.get(v) ?? 0) + by));
  walk(body, { enterOp: (op) => countUses(op.operands, 1), leaveRegion: (r) => countUses(r.yields, 1) });

  const swept = body.ops.slice(from);
  const candidates = new Map<Value, Op>();
  forEachOp(swept, (op) => {
    if (removable(op) && op.results.length > 0) op.results.forEach((r) => candidates.set(r, op));
  });
  const unread = (op: Op) => op.results.every((r) => !uses.get(r));
  const dead = new Set<Op>();
  const worklist = [...new Set(candidates.values())].filter(unread);
  for (let op = worklist.pop(); op !== undefined; op = worklist.pop()) {
    if (dead.has(op)) continue;
    // What the op and its regions read (but ops of them already gone) is read no more.
    const released: Value[] = [];
    const release = (gone: Op) => {
      released.push(...gone.operands);
      for (const region of gone.regions) {
        released.push(...region.yields);
        region.ops.filter((inner) => !dead.has(inner)).forEach(release);
      }
    };
    release(op);
    dead.add(op);
    countUses(released, -1);
    for (const value of released) {
      const definer = candidates.get(value);
      if (definer && !dead.has(definer) && unread(definer)) worklist.push(definer);
    }
  }
  if (dead.size === 0) return;
  const keepLive = (region: Region) => {
    region.ops = region.ops.filter((op) => !dead.has(op));
    region.ops.forEach((op) => op.regions.forEach(keepLive));
  };
  body.ops = [...body.ops.slice(0, from), ...swept.filter((op) => !dead.has(op))];
  swept.forEach((op) => op.regions.forEach(keepLive));
}
