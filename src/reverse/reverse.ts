/**
 * Reverse mode: turns a primal function into its gradient function.
 *
 * Accepts: a verified primal IRFunction (the frontend's output) and its activity.
 * Produces: an IRFunction with the same parameters whose body is
 *   1. the forward sweep: the primal body, op for op (so `value` is bit-for-bit the primal's);
 *   2. the reverse sweep: for each active op, last to first, its adjoint statements; for an `if`,
 *      an `if` on the same condition whose branches hold the reversed branches;
 * and which yields the primal value followed by one adjoint per differentiated parameter.
 *
 * The engine knows no math: a primitive's partial derivatives come from the rule table, and the
 * engine multiplies each by the result's adjoint and adds it to the operand's adjoint.
 *
 * Adjoints: a value with one contribution, made in its own region, gets an SSA value
 * (`const da = ...`). Any other value gets a cell, declared where its first contribution is
 * made, or before the reversed `if` holding it when that comes first (`let dx = 0; if (...) {
 * dx += ... }`).
 *
 * Values the reverse sweep reads (the to-be-recorded set) are those the rules of active ops
 * read. Without loops nothing is overwritten, so recording is making them visible: a value
 * computed inside a branch is yielded out of its `if` (an `undef` in the other branch), and a
 * literal is recomputed where it is needed instead.
 */
import type { Activity } from "../analysis/activity.js";
import { Builder, emptyRegion, ValueFactory } from "../ir/builder.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { structuralOps } from "../ir/ops.js";
import { primitive } from "../rules/primitives.js";
import { AdjointAlgebra } from "./adjoint-algebra.js";

export interface GradientIR {
  fn: IRFunction;
  /** The body's first `forwardOpCount` ops are the forward sweep; the rest are the reverse sweep. */
  forwardOpCount: number;
}

type Adjoint = { kind: "value"; value: Value } | { kind: "cell"; cell: Value };

/** Ops cheaper to compute again in the reverse sweep than to carry out of a branch. */
const cheapToRecompute = new Set(["lt", "le", "gt", "ge", "eq", "ne", "not", "and", "or", "neg", "add", "sub", "mul"]);

function differentiableOp(op: Op): boolean {
  return primitive(op.opcode)?.derivative.kind === "partials";
}

function adjointName(value: Value): string | undefined {
  return value.name === undefined ? undefined : `d${value.name}`;
}

class ReverseTransform {
  private readonly values = new ValueFactory();
  private readonly body = emptyRegion();
  private readonly builder = new Builder(this.values, this.body);
  private readonly algebra = new AdjointAlgebra(this.builder, (v) => this.resolve(v));

  /** Primal value -> its copy in the forward sweep. */
  private readonly forward = new Map<Value, Value>();
  private readonly forwardValues = new Set<Value>();
  /** Where each forward value is defined, and which op and region hold each forward region. */
  private readonly forwardRegionOf = new Map<Value, Region>();
  private readonly forwardDefinition = new Map<Value, Op>();
  private readonly forwardParent = new Map<Region, { op: Op; region: Region }>();
  /** Forward value -> the equal value visible at the top of the function (see `record`). */
  private readonly recorded = new Map<Value, Value>();

  private readonly primalRegionOf = new Map<Value, Region>();
  private readonly sites = new Map<Value, { count: number; region: Region }>();
  private readonly adjoints = new Map<Value, Adjoint>();
  private readonly reads = new Set<Value>();
  /** Placeholders handed to rules for primal values, resolved only if a rule uses them. */
  private readonly placeholders = new Map<Value, Value>();
  private currentPrimalRegion: Region;

  constructor(
    private readonly primal: IRFunction,
    private readonly activity: Activity,
  ) {
    this.currentPrimalRegion = primal.body;
  }

  run(): GradientIR {
    const primal = this.primal;
    const params = primal.params.map((p) => {
      const value = this.cloneValue(p.value, this.body);
      this.primalRegionOf.set(p.value, primal.body);
      return { ...p, value };
    });
    this.cloneRegion(primal.body, this.body);
    const forwardOpCount = this.body.ops.length;

    this.countSites(primal.body);
    const returned = primal.body.yields[0]!;
    if (this.activity.isActive(returned)) this.contribute(returned, this.algebra.num(1));
    this.reverseRegion(primal.body);
    const grads = primal.params
      .filter((p) => p.differentiated)
      .map((p) => this.adjointValue(p.value) ?? this.algebra.num(0));
    this.body.yields = [this.forward.get(returned)!, ...grads];
    removeUnusedAdjointOps(this.body, forwardOpCount);
    return { fn: { name: `${primal.name}Grad`, params, body: this.body, loc: primal.loc }, forwardOpCount };
  }

  // ----- forward sweep -----

  private cloneValue(value: Value, region: Region): Value {
    const copy = this.values.value(value.type, value.name);
    this.forward.set(value, copy);
    this.forwardValues.add(copy);
    this.forwardRegionOf.set(copy, region);
    return copy;
  }

  private cloneRegion(source: Region, target: Region): void {
    for (const op of source.ops) {
      for (const result of op.results) this.primalRegionOf.set(result, source);
      const copy: Op = {
        opcode: op.opcode,
        operands: op.operands.map((v) => this.forward.get(v)!),
        results: [],
        regions: [],
        attrs: { ...op.attrs },
      };
      if (op.loc) copy.loc = op.loc;
      copy.regions = op.regions.map((region) => {
        const nested = emptyRegion();
        this.forwardParent.set(nested, { op: copy, region: target });
        this.cloneRegion(region, nested);
        return nested;
      });
      copy.results = op.results.map((r) => this.cloneValue(r, target));
      copy.results.forEach((r) => this.forwardDefinition.set(r, copy));
      target.ops.push(copy);
    }
    target.yields = source.yields.map((v) => this.forward.get(v)!);
  }

  /**
   * The forward value as the reverse sweep can read it. Literals are repeated in place, and a
   * cheap unnamed op computed inside a branch (a comparison, a sum) is computed again from its
   * recorded operands (marked `recomputed` in the IR). Other values computed inside branches are
   * recorded: yielded out of each enclosing `if` (with `undef` from the other branch) up to the
   * function's top.
   */
  private record(value: Value): Value {
    const definingOp = this.forwardDefinition.get(value);
    if (definingOp?.opcode === "const") return this.algebra.literal(definingOp.attrs);
    const readable = this.readableWithoutRecording(value);
    if (readable) return readable;
    // Named values stay recorded: `Math.cos(z)` reads better than `Math.cos(x * x)`.
    if (definingOp && cheapToRecompute.has(definingOp.opcode) && value.name === undefined) {
      return this.builder.op({
        opcode: definingOp.opcode,
        operands: definingOp.operands.map((v) => this.record(v)),
        results: [{ type: value.type }],
        attrs: { recomputed: true },
      }).results[0]!;
    }
    let visible = value;
    while (this.forwardRegionOf.get(visible) !== this.body) {
      const region = this.forwardRegionOf.get(visible)!;
      const { op, region: outer } = this.forwardParent.get(region)!;
      for (const branch of op.regions) {
        if (branch === region) {
          branch.yields.push(visible);
        } else {
          const placeholder = this.values.value(visible.type);
          branch.ops.push({ opcode: "undef", operands: [], results: [placeholder], regions: [], attrs: {} });
          branch.yields.push(placeholder);
        }
      }
      const exported = this.values.value(visible.type, visible.name);
      op.results.push(exported);
      this.forwardRegionOf.set(exported, outer);
      this.recorded.set(visible, exported);
      visible = exported;
    }
    return visible;
  }

  /** The value, a literal equal to it, or its recorded copy, when readable at the top already. */
  private readableWithoutRecording(value: Value): Value | undefined {
    const definingOp = this.forwardDefinition.get(value);
    if (definingOp?.opcode === "const") return this.algebra.literal(definingOp.attrs);
    let visible: Value | undefined = value;
    while (visible && this.forwardRegionOf.get(visible) !== this.body) visible = this.recorded.get(visible);
    return visible;
  }

  private placeholder(primalValue: Value): Value {
    const placeholder = this.values.value(primalValue.type);
    this.placeholders.set(placeholder, primalValue);
    return placeholder;
  }

  private resolve(value: Value): Value {
    const primalValue = this.placeholders.get(value);
    return primalValue ? this.record(this.forward.get(primalValue)!) : value;
  }

  // ----- adjoints -----

  private countSites(region: Region): void {
    const isActive = (v: Value) => this.activity.isActive(v);
    const addSite = (value: Value, at: Region) => {
      const entry = this.sites.get(value);
      if (entry) entry.count++;
      else this.sites.set(value, { count: 1, region: at });
    };
    for (const op of region.ops) {
      if (op.opcode === "if") {
        for (const branch of op.regions) {
          op.results.forEach((result, j) => {
            if (isActive(result) && isActive(branch.yields[j]!)) addSite(branch.yields[j]!, branch);
          });
          this.countSites(branch);
        }
      } else if (differentiableOp(op) && isActive(op.results[0]!)) {
        for (const operand of new Set(op.operands)) if (isActive(operand)) addSite(operand, region);
      }
    }
    if (region === this.primal.body && isActive(region.yields[0]!)) addSite(region.yields[0]!, region);
  }

  /** True when the value's adjoint is a single contribution made in its own region. */
  private hasSingleContribution(value: Value): boolean {
    const site = this.sites.get(value);
    return site !== undefined && site.count === 1 && site.region === this.primalRegionOf.get(value);
  }

  private contribute(value: Value, contribution: Value): void {
    if (this.hasSingleContribution(value)) {
      // A read of an accumulator keeps printing as the accumulator; other new values are named.
      if (contribution.name === undefined && !this.forwardValues.has(contribution) && !this.reads.has(contribution)) {
        const name = adjointName(value);
        if (name !== undefined) contribution.name = name;
        contribution.adjointOf = this.forward.get(value)!;
      }
      this.adjoints.set(value, { kind: "value", value: contribution });
      return;
    }
    const existing = this.adjoints.get(value);
    if (existing?.kind === "cell") {
      this.builder.op({ opcode: "cell.add", operands: [existing.cell, contribution] });
      return;
    }
    if (this.currentPrimalRegion !== this.primalRegionOf.get(value)) {
      throw new Error(`adjoint of value ${value.id} was not declared before a nested contribution`);
    }
    this.declareCell(value, contribution);
  }

  private declareCell(value: Value, initial: Value): void {
    const name = adjointName(value);
    const cell = this.builder.op({
      opcode: "cell.new",
      operands: [initial],
      results: [name === undefined ? { type: "cell" } : { type: "cell", name }],
    }).results[0]!;
    cell.adjointOf = this.forward.get(value)!;
    this.adjoints.set(value, { kind: "cell", cell });
  }

  private adjointValue(value: Value): Value | undefined {
    const adjoint = this.adjoints.get(value);
    if (!adjoint) return undefined;
    if (adjoint.kind === "value") return adjoint.value;
    const read = this.builder.emit("cell.read", [adjoint.cell], "number");
    this.reads.add(read);
    return read;
  }

  // ----- reverse sweep -----

  private reverseRegion(region: Region): void {
    const saved = this.currentPrimalRegion;
    this.currentPrimalRegion = region;
    for (let i = region.ops.length - 1; i >= 0; i--) {
      const op = region.ops[i]!;
      if (op.loc) this.builder.loc = op.loc;
      if (op.opcode === "if") this.reverseIf(op);
      else if (differentiableOp(op) && this.activity.isActive(op.results[0]!)) this.reversePrimitive(op);
    }
    this.currentPrimalRegion = saved;
  }

  private reversePrimitive(op: Op): void {
    const result = op.results[0]!;
    const resultAdjoint = this.adjointValue(result);
    if (!resultAdjoint) return;
    const rule = primitive(op.opcode)!.derivative;
    if (rule.kind !== "partials") return;
    const inputs = op.operands.map((v) => this.placeholder(v));
    const output = this.placeholder(result);
    for (const operand of new Set(op.operands)) {
      if (!this.activity.isActive(operand)) continue;
      let partial: Value | undefined;
      op.operands.forEach((v, i) => {
        if (v !== operand) return;
        const term = rule.partial(this.algebra, inputs, output, i);
        partial = partial === undefined ? term : this.algebra.apply("add", partial, term);
      });
      this.contribute(operand, this.algebra.apply("mul", resultAdjoint, partial!));
    }
  }

  /** Values defined outside `op` whose adjoints receive contributions inside it. */
  private targetsInside(op: Op): Value[] {
    const inside = new Set<Value>();
    const targets = new Set<Value>();
    const isActive = (v: Value) => this.activity.isActive(v);
    const visit = (region: Region) => {
      region.params.forEach((p) => inside.add(p));
      for (const inner of region.ops) {
        if (inner.opcode === "if") {
          for (const branch of inner.regions) {
            inner.results.forEach((r, j) => {
              if (isActive(r) && isActive(branch.yields[j]!)) targets.add(branch.yields[j]!);
            });
            visit(branch);
          }
        } else if (differentiableOp(inner) && isActive(inner.results[0]!)) {
          inner.operands.filter(isActive).forEach((v) => targets.add(v));
        }
        inner.results.forEach((r) => inside.add(r));
      }
    };
    op.regions.forEach(visit);
    op.results.forEach((r, j) => {
      if (isActive(r)) op.regions.forEach((branch) => isActive(branch.yields[j]!) && targets.add(branch.yields[j]!));
    });
    return [...targets].filter((v) => !inside.has(v));
  }

  private reverseIf(op: Op): void {
    const targets = this.targetsInside(op);
    const activeResults = op.results.flatMap((r, j) => (this.activity.isActive(r) ? [j] : []));
    if (targets.length === 0 && activeResults.length === 0) return;
    const resultAdjoints = activeResults.map((j) => this.adjointValue(op.results[j]!));
    for (const target of targets) {
      if (!this.adjoints.has(target)) this.declareCell(target, this.algebra.num(0));
    }
    const condition = this.resolve(this.placeholder(op.operands[0]!));
    const regions = op.regions.map((branch) => {
      const reversed = emptyRegion();
      this.builder.inRegion(reversed, () => {
        const saved = this.currentPrimalRegion;
        this.currentPrimalRegion = branch;
        // What a branch yields is adjoint code of the `if` itself, not of the other branch's last line.
        if (op.loc) this.builder.loc = op.loc;
        activeResults.forEach((j, k) => {
          const yielded = branch.yields[j]!;
          const adjoint = resultAdjoints[k];
          if (adjoint && this.activity.isActive(yielded)) this.contribute(yielded, adjoint);
        });
        this.reverseRegion(branch);
        this.currentPrimalRegion = saved;
      });
      return reversed;
    });
    if (regions.some((r) => r.ops.length > 0)) {
      this.builder.op({ opcode: "if", operands: [condition], regions, ...(op.loc ? { loc: op.loc } : {}) });
    }
  }
}

/**
 * Drops pure reverse-sweep ops whose results nothing reads: the literals and partial products
 * that the algebra's simplifications made unnecessary.
 */
function removeUnusedAdjointOps(body: Region, forwardOpCount: number): void {
  const isPure = (op: Op) => primitive(op.opcode) !== undefined || structuralOps.get(op.opcode)?.pure === true;
  // Removing an op can leave its operands unused, so sweep until nothing changes.
  for (let removed = true; removed; ) {
    const used = new Set<Value>();
    const collectUses = (region: Region) => {
      region.ops.forEach((op) => {
        op.operands.forEach((v) => used.add(v));
        op.regions.forEach(collectUses);
      });
      region.yields.forEach((v) => used.add(v));
    };
    collectUses(body);
    removed = false;
    const sweep = (region: Region, from: number) => {
      for (let i = region.ops.length - 1; i >= from; i--) {
        const op = region.ops[i]!;
        op.regions.forEach((r) => sweep(r, 0));
        if (isPure(op) && op.results.length > 0 && op.results.every((r) => !used.has(r))) {
          region.ops.splice(i, 1);
          removed = true;
        }
      }
    };
    sweep(body, forwardOpCount);
  }
}

export function reverseMode(primal: IRFunction, activity: Activity): GradientIR {
  return new ReverseTransform(primal, activity).run();
}
