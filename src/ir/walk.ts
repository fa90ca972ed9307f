/**
 * Walks over IR: the ops of a region and of every region nested in it, in program order (an op
 * before the ops of its regions, the regions in order), and what passes collect on the way:
 * where values are defined, where they are used, and rewriting their uses.
 *
 * The walks read the IR as it is when they reach each op; a visitor may change the op it is given
 * (its operands, say) but not add or remove ops of the region being walked.
 */
import type { Op, Region, Value } from "./types.js";

/** What a walk calls at each region and each op; any may be left out. */
export interface WalkHooks {
  /** Before the region's ops (its parameters are defined from here on). */
  enterRegion?(region: Region): void;
  /** After the region's ops (its yields are read here). */
  leaveRegion?(region: Region): void;
  /** Before the op's regions (its operands are read here). */
  enterOp?(op: Op, region: Region): void;
  /** After the op's regions (its results are defined from here on). */
  leaveOp?(op: Op, region: Region): void;
}

export function walk(region: Region, hooks: WalkHooks): void {
  hooks.enterRegion?.(region);
  for (const op of region.ops) {
    hooks.enterOp?.(op, region);
    for (const nested of op.regions) walk(nested, hooks);
    hooks.leaveOp?.(op, region);
  }
  hooks.leaveRegion?.(region);
}

/** Calls `visit` with each of `ops` and every op nested in them, each before the ops of its regions. */
export function forEachOp(ops: readonly Op[], visit: (op: Op) => void): void {
  for (const op of ops) {
    visit(op);
    for (const nested of op.regions) forEachOp(nested.ops, visit);
  }
}

/** The first of `ops` and the ops nested in them, in the order of `forEachOp`, for which `test`
 * holds (the walk stops there). */
export function findOp(ops: readonly Op[], test: (op: Op) => boolean): Op | undefined {
  for (const op of ops) {
    if (test(op)) return op;
    for (const nested of op.regions) {
      const found = findOp(nested.ops, test);
      if (found) return found;
    }
  }
  return undefined;
}

/** True when `test` holds for one of `ops` or an op nested in them (the walk stops there). */
export function someOp(ops: readonly Op[], test: (op: Op) => boolean): boolean {
  return findOp(ops, test) !== undefined;
}

/** The op defining each value of a region, nested regions included. */
export function definingOps(region: Region): Map<Value, Op> {
  const definitions = new Map<Value, Op>();
  forEachOp(region.ops, (op) => op.results.forEach((result) => definitions.set(result, op)));
  return definitions;
}

/** Every value a region defines: its parameters and the results of its ops, nested ones too. */
export function valuesDefinedIn(region: Region): Set<Value> {
  const defined = new Set<Value>();
  walk(region, {
    enterRegion: (r) => r.params.forEach((param) => defined.add(param)),
    enterOp: (op) => op.results.forEach((result) => defined.add(result)),
  });
  return defined;
}

/** Every value read in a region, as an operand or a yield, nested regions included. */
export function usedValues(region: Region): Set<Value> {
  const used = new Set<Value>();
  walk(region, {
    enterOp: (op) => op.operands.forEach((operand) => used.add(operand)),
    leaveRegion: (r) => r.yields.forEach((value) => used.add(value)),
  });
  return used;
}

/** How often `value` is an operand or a yield in a region and the regions nested in it (the
 * region's own yields included). */
export function countUses(region: Region, value: Value): number {
  let count = 0;
  const countIn = (values: readonly Value[]) => (count += values.filter((v) => v === value).length);
  walk(region, { enterOp: (op) => countIn(op.operands), leaveRegion: (r) => countIn(r.yields) });
  return count;
}

/** Rewrites every use of a replaced value in a region, nested regions included. */
export function replaceUses(region: Region, replacement: ReadonlyMap<Value, Value>): void {
  const current = (v: Value) => replacement.get(v) ?? v;
  walk(region, {
    enterOp: (op) => (op.operands = op.operands.map(current)),
    leaveRegion: (r) => (r.yields = r.yields.map(current)),
  });
}
