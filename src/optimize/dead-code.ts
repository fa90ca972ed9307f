/**
 * Dead-code removal: drops ops whose results nothing reads, when the caller says they may go.
 *
 * Accepts any verified IRFunction body; keeps it verified (an op goes only when none of its
 * results is read, so no use is left without its definition).
 *
 * Removing an op can leave its operands unread, so the sweep repeats until nothing changes; the
 * ops kept are then exactly those some kept op, or a yield, reads (or that may not go). Which ops
 * may go is the caller's choice: the pipeline removes the lowering's leftover objects from the
 * primal (whose other ops are the user's code, kept as written) and the pure ops the adjoint
 * algebra's simplifications left unread in the reverse sweep.
 */
import type { Op, Region } from "../ir/types.js";
import { usedValues } from "../ir/walk.js";

/** `from`: the first op of the body's top level that may go (nested regions are swept whole). */
export function removeDeadOps(body: Region, removable: (op: Op) => boolean, from = 0): void {
  for (let removed = true; removed;) {
    const used = usedValues(body);
    removed = false;
    const sweep = (region: Region, first: number) => {
      for (let i = region.ops.length - 1; i >= first; i--) {
        const op = region.ops[i]!;
        op.regions.forEach((r) => sweep(r, 0));
        if (removable(op) && op.results.length > 0 && op.results.every((r) => !used.has(r))) {
          region.ops.splice(i, 1);
          removed = true;
        }
      }
    };
    sweep(body, from);
  }
}
