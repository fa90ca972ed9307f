/**
 * Contributions: which adjoints the reverse of each op adds to, and how many contributions each
 * value's adjoint receives and where.
 *
 * Computed from the primal IR and its activity alone, once for both runs of the adjoint writer:
 * a value with a single contribution made in its own region gets an SSA value for its adjoint,
 * any other a cell; the targets inside an `if` or a loop get their cells before its reversal.
 */
import type { Activity } from "../analysis/activity.js";
import { at, operandOf, resultOf } from "../ir/access.js";
import { type Carried, loopParts } from "../ir/loops.js";
import { derivativeOperands } from "../ir/op-definitions.js";
import { someOp, walk } from "../ir/walk.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { primitive } from "../rules/primitives.js";

/** True for a primitive with partial derivatives (not one that is piecewise constant). */
export function differentiableOp(op: Op): boolean {
  return primitive(op.opcode)?.derivative.kind === "partials";
}

export class Contributions {
  private readonly sites = new Map<Value, { count: number; region: Region }>();

  constructor(
    private readonly primal: IRFunction,
    private readonly activity: Activity,
    private readonly primalRegionOf: ReadonlyMap<Value, Region>,
  ) {
    this.countSites(primal.body);
  }

  private countSites(region: Region): void {
    const isActive = (v: Value) => this.activity.isActive(v);
    const addSite = (value: Value, where: Region) => {
      const entry = this.sites.get(value);
      if (entry) entry.count++;
      else this.sites.set(value, { count: 1, region: where });
    };
    for (const op of region.ops) {
      const loop = loopParts(op);
      if (op.opcode === "if") {
        for (const branch of op.regions) {
          op.results.forEach((result, j) => {
            const yielded = at(branch.yields, j, "yield of a branch");
            if (isActive(result) && isActive(yielded)) addSite(yielded, branch);
          });
          this.countSites(branch);
        }
      } else if (loop) {
        for (const { next, init } of this.activeCarried(op)) {
          if (isActive(next)) addSite(next, loop.body);
          if (isActive(init)) addSite(init, region);
        }
        this.countSites(loop.body);
      } else {
        contributionTargets(op, isActive).forEach((target) => addSite(target, region));
      }
    }
    const returned = region === this.primal.body ? at(region.yields, 0, "returned value") : undefined;
    if (returned && isActive(returned)) addSite(returned, region);
  }

  /** True when the value's adjoint is a single contribution made in its own region. */
  hasSingleContribution(value: Value): boolean {
    const site = this.sites.get(value);
    return site !== undefined && site.count === 1 && site.region === this.primalRegionOf.get(value);
  }

  /** The carried values of a loop that carry a derivative. */
  activeCarried(op: Op): Carried[] {
    const isActive = (v: Value) => this.activity.isActive(v);
    return (loopParts(op)?.carried ?? []).filter(
      ({ result, param, next }) => isActive(result) || isActive(param) || isActive(next),
    );
  }

  /** Values yielded inside `op` whose adjoints its reversal adds to. */
  yieldTargets(op: Op): Value[] {
    const isActive = (v: Value) => this.activity.isActive(v);
    if (loopParts(op)) return this.activeCarried(op).flatMap(({ next }) => (isActive(next) ? [next] : []));
    return op.results.flatMap((r, j) =>
      isActive(r)
        ? op.regions.flatMap((branch) => {
            const yielded = at(branch.yields, j, "yield of a branch");
            return isActive(yielded) ? [yielded] : [];
          })
        : [],
    );
  }

  /** Number values defined outside `op` whose adjoints receive contributions inside it. */
  targetsInside(op: Op): Value[] {
    const inside = new Set<Value>();
    const targets = new Set<Value>(this.yieldTargets(op));
    const isActive = (v: Value) => this.activity.isActive(v);
    for (const region of op.regions) {
      walk(region, {
        enterRegion: (r) => r.params.forEach((p) => inside.add(p)),
        enterOp: (inner) => {
          if (inner.opcode === "if" || loopParts(inner)) {
            this.yieldTargets(inner).forEach((v) => targets.add(v));
            this.activeCarried(inner).forEach(({ init }) => targets.add(init));
          } else {
            contributionTargets(inner, isActive).forEach((v) => targets.add(v));
          }
        },
        leaveOp: (inner) => inner.results.forEach((r) => inside.add(r)),
      });
    }
    return [...targets].filter((v) => !inside.has(v) && v.type === "number" && isActive(v));
  }

  /** True when the region reads or writes, at any depth, an element that carries a derivative. */
  hasActiveArrayEffects(region: Region): boolean {
    return someOp(
      region.ops,
      (op) =>
        (op.opcode === "array.get" && this.activity.isActive(resultOf(op))) ||
        (op.opcode === "array.set" && this.activity.isActive(operandOf(op, 0))),
    );
  }
}

/**
 * The values the reverse of an op (other than `if` and loops) contributes adjoints to, once per
 * contribution: a primitive sums the partials of a repeated operand into one contribution; an
 * array literal, a returned object and a call with a derivative make one per occurrence.
 */
function contributionTargets(op: Op, isActive: (v: Value) => boolean): Value[] {
  const result = op.results[0];
  if (op.opcode === "array.set")
    return isActive(operandOf(op, 0)) && isActive(operandOf(op, 2)) ? [operandOf(op, 2)] : [];
  if (result === undefined || !isActive(result)) return [];
  if (op.opcode === "array.literal" || op.opcode === "object") return op.operands.filter(isActive);
  if (op.opcode === "call" && op.attrs.derivative !== undefined) {
    return derivativeOperands(op).filter(isActive);
  }
  return differentiableOp(op) ? [...new Set(op.operands)].filter(isActive) : [];
}
