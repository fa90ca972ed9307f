/**
 * Reverse mode: turns a primal function into its gradient function.
 *
 * Accepts: a verified primal IRFunction (the frontend's output) and its activity.
 * Produces: an IRFunction with the same parameters whose body is
 *   1. the forward sweep: the primal body, op for op (so `value` is bit-for-bit the primal's),
 *      plus the storage the reverse sweep needs (stack pushes, a counter per `while` loop);
 *   2. the reverse sweep: for each active op, last to first, its adjoint statements; for an `if`,
 *      an `if` on the same condition whose branches hold the reversed branches; for a loop, a
 *      counted loop running the reversed body once per forward iteration, last first;
 * and which yields the primal value followed by one adjoint per differentiated parameter.
 *
 * The engine knows no math: a primitive's partial derivatives come from the rule table, and the
 * engine multiplies each by the result's adjoint and adds it to the operand's adjoint.
 *
 * Adjoints: a value with one contribution, made in its own region, gets an SSA value
 * (`const da = ...`). Any other value gets a cell, declared where its first contribution is
 * made, or before the reversed `if` or loop holding it when that comes first. A loop-carried
 * value has one cell carrying its adjoint from each reversed iteration to the one before. An
 * array's adjoint is an array of the same shape.
 *
 * Recording (the to-be-recorded analysis): the reverse sweep reads only what the rules of active
 * ops read, and gets each such value the cheapest way that is correct (see `record`): directly
 * when computed outside loops; again when cheap or an element of an array never written; out of
 * a branch as an extra result of its `if`; out of a loop iteration from a stack, a typed array
 * sized by the trip count when that is known before the loop nest starts.
 */
import type { Activity } from "../analysis/activity.js";
import { Builder, emptyRegion, ValueFactory } from "../ir/builder.js";
import type { IRFunction, Op, Param, Region, Value } from "../ir/types.js";
import { loopParts } from "../ir/loops.js";
import { primitive } from "../rules/primitives.js";
import { AdjointAlgebra } from "./adjoint-algebra.js";

export interface GradientIR {
  fn: IRFunction;
  /** The body's first `forwardOpCount` ops are the forward sweep; the rest are the reverse sweep. */
  forwardOpCount: number;
}

type Adjoint = { kind: "value"; value: Value } | { kind: "cell"; cell: Value } | { kind: "array"; array: Value };

/** See `accumulatesInPlace`. */
interface InPlace {
  marks: [Op, Value][];
  throughLoop: boolean;
}

/** Ops cheaper to compute again in the reverse sweep than to carry out of a branch or a loop. */
const cheapToRecompute = new Set([
  "lt",
  "le",
  "gt",
  "ge",
  "eq",
  "ne",
  "not",
  "and",
  "or",
  "neg",
  "add",
  "sub",
  "mul",
  "div",
  "array.length",
  "array.get",
  "array.row",
]);

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
  private readonly primalDefinition = new Map<Value, Op>();
  private readonly loopOfCounter = new Map<Value, Op>();
  private readonly sites = new Map<Value, { count: number; region: Region }>();
  private readonly adjoints = new Map<Value, Adjoint>();
  private readonly reads = new Set<Value>();
  /** Ops the reverse sweep needs at the function's top: stacks (before the forward sweep) and
   * gradient arrays (before the reverse sweep). */
  private readonly stackAllocations = new Builder(this.values, emptyRegion());
  private readonly adjointAllocations = new Builder(this.values, emptyRegion());
  /** A forward loop's counter -> the reversed loop's counter; a forward loop -> its reversed body. */
  private readonly reverseCounter = new Map<Value, Value>();
  private readonly reversedBody = new Map<Op, Region>();
  /** The reversed region of each forward branch, while and after it is built. */
  private readonly reversedBranch = new Map<Region, Region>();
  private readonly forwardOf = new Map<Op, Op>();
  private readonly forwardOpRegion = new Map<Op, Region>();
  /** Each primal branch or loop body -> the region holding its reversal. */
  private readonly reversedRegions = new Map<Region, Region>();
  /** Each forward op -> the primal op it copies. */
  private readonly primalOp = new Map<Op, Op>();
  /** How many ops of the top region are the forward sweep (it grows as storage is placed in it). */
  private forwardOps = 0;
  private readonly capacities = new Map<string, Value>();
  /** Values computed among the stack allocations (see `atEntry`). */
  private readonly entryValues = new Set<Value>();
  /** Ops whose contribution to an operand the reversed loop makes by leaving a cell as it is
   * (see `accumulatesInPlace`). */
  private readonly implicitContributions = new Map<Op, Set<Value>>();
  /** Forward arrays the function writes into -> the position of the last top-level op holding
   * such a write (see `settledWhenRead`). */
  private readonly lastWriteAt = new Map<Value, number>();
  /** Each top-level forward op's position, for comparing which comes first. */
  private readonly topPosition = new Map<Op, number>();
  /** Forward arrays the function pushes onto: their length changes, so it is never read again. */
  private readonly growingArrays = new Set<Value>();
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
    this.forwardOps = this.body.ops.length;
    this.body.ops.forEach((op, i) => {
      this.topPosition.set(op, i);
      this.collectWrittenArrays(op, i);
    });

    this.countSites(primal.body);
    const returned = primal.body.yields[0]!;
    if (primal.returnsArray) {
      // A VJP: the result's adjoint starts as the cotangent the caller passes.
      const cotangent = this.values.value("array", "cotangent");
      params.push({
        value: cotangent,
        typeText: primal.returnsArray === "Array" ? "readonly number[]" : primal.returnsArray,
        differentiated: false,
        cotangent: true,
      });
      if (this.activity.isActive(returned))
        this.builder.op({ opcode: "array.addAll", operands: [this.arrayAdjoint(returned), cotangent] });
    } else if (primal.returnsObject) {
      params.push(...this.seedObjectCotangent(returned));
    } else if (this.activity.isActive(returned)) {
      this.contribute(returned, this.algebra.num(1));
    }
    this.reverseRegion(primal.body);
    const grads = primal.params
      .filter((p) => p.differentiated)
      .map((p) =>
        p.value.type === "array" ? this.arrayAdjoint(p.value) : (this.adjointValue(p.value) ?? this.algebra.num(0)),
      );
    this.body.yields = [this.forward.get(returned)!, ...grads];
    const stacks = this.stackAllocations.region.ops;
    const forwardOps = this.forwardOps;
    this.body.ops = [
      ...stacks,
      ...this.body.ops.slice(0, forwardOps),
      ...this.adjointAllocations.region.ops,
      ...this.body.ops.slice(forwardOps),
    ];
    const forwardOpCount = stacks.length + forwardOps;
    const fn: IRFunction = {
      name: `${primal.name}${primal.returnsArray || primal.returnsObject ? "Vjp" : "Grad"}`,
      params,
      body: this.body,
      loc: primal.loc,
    };
    if (primal.returnsArray) fn.returnsArray = primal.returnsArray;
    if (primal.returnsObject) fn.returnsObject = primal.returnsObject;
    return { fn, forwardOpCount };
  }

  /**
   * A VJP of a function returning an object: the cotangent is an object with the result's number
   * and array fields (one parameter per leaf, as for object parameters), and each leaf's adjoint
   * starts as the cotangent's field.
   */
  private seedObjectCotangent(returned: Value): Param[] {
    const object = this.primalDefinition.get(returned)!;
    const paths = object.attrs.fields as readonly string[];
    return object.operands.flatMap((leaf, i): Param[] => {
      if (leaf.type !== "number" && leaf.type !== "array") return [];
      const path = paths[i]!;
      const cotangent = this.values.value(leaf.type, `cotangent_${path.replaceAll(".", "_")}`);
      const kind = leaf.type === "array" ? this.arrayKindOf(leaf) : undefined;
      const typeText = kind === undefined ? "number" : kind === "Array" ? "readonly number[]" : kind;
      if (this.activity.isActive(leaf)) {
        if (leaf.type === "array")
          this.builder.op({ opcode: "array.addAll", operands: [this.arrayAdjoint(leaf), cotangent] });
        else this.contribute(leaf, cotangent);
      }
      return [
        { value: cotangent, typeText, differentiated: false, cotangent: true, field: { param: "cotangent", path } },
      ];
    });
  }

  /** How an array is stored: as the parameter it is, or as the op that created it says. */
  private arrayKindOf(array: Value): string {
    const param = this.primal.params.find((p) => p.value === array);
    return param?.arrayKind ?? String(this.primalDefinition.get(array)?.attrs.kind ?? "Array");
  }

  // ----- forward sweep -----

  /** Records the arrays `op`, inside the top-level op at position `top`, writes into (top-level
   * ops are visited in order, so the last position recorded is the last writer's). */
  private collectWrittenArrays(op: Op, top: number): void {
    if (op.opcode === "array.set") {
      this.lastWriteAt.set(op.operands[0]!, top);
      if (op.attrs.grows === true) this.growingArrays.add(op.operands[0]!);
    }
    op.regions.forEach((r) => r.ops.forEach((nested) => this.collectWrittenArrays(nested, top)));
  }

  private cloneValue(value: Value, region: Region): Value {
    const copy = this.values.value(value.type, value.name);
    this.forward.set(value, copy);
    this.forwardValues.add(copy);
    this.forwardRegionOf.set(copy, region);
    return copy;
  }

  private cloneRegion(source: Region, target: Region): void {
    for (const op of source.ops) {
      for (const result of op.results) {
        this.primalRegionOf.set(result, source);
        this.primalDefinition.set(result, op);
      }
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
        nested.params = region.params.map((p) => {
          this.primalRegionOf.set(p, region);
          return this.cloneValue(p, nested);
        });
        if (op.opcode === "for") this.loopOfCounter.set(region.params[0]!, op);
        this.forwardParent.set(nested, { op: copy, region: target });
        this.cloneRegion(region, nested);
        return nested;
      });
      this.forwardOf.set(op, copy);
      this.primalOp.set(copy, op);
      this.forwardOpRegion.set(copy, target);
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
    // -2 in the source is a negation of a literal: a literal too, so that rules can fold it.
    const negated = definingOp?.opcode === "neg" ? this.forwardDefinition.get(definingOp.operands[0]!) : undefined;
    if (negated?.opcode === "const" && negated.attrs.definedAs === undefined)
      return this.algebra.num(-(negated.attrs.value as number));
    const readable = this.readableWithoutRecording(value);
    if (readable) return readable;
    // Named values stay recorded: `Math.cos(z)` reads better than `Math.cos(x * x)`; elements of
    // arrays the function never writes into are read again wherever they are needed.
    // A cheap value whose operands would have to be stored is stored itself instead: one push
    // (a byte, for a branch's condition) rather than several.
    // An active read is the exception: its index is recorded anyway, for the adjoint it adds to.
    const operandsReadable =
      definingOp !== undefined &&
      (definingOp.operands.every((v) => this.readableWithoutStorage(v)) || this.isActiveRead(definingOp));
    if (definingOp && this.isRecomputable(value, definingOp) && operandsReadable) {
      return this.algebra.recompute(
        definingOp.opcode,
        definingOp.operands.map((v) => this.record(v)),
        value.type,
        definingOp.attrs,
      );
    }
    let visible = value;
    while (this.forwardRegionOf.get(visible) !== this.body) {
      const region = this.forwardRegionOf.get(visible)!;
      const { op, region: outer } = this.forwardParent.get(region)!;
      if (loopParts(op)) return this.recordFromLoop(visible, op, region);
      // Inside a loop, a branch stores its values itself (Tapenade's PUSH in the branch): the
      // iterations that do not take it store nothing, instead of a placeholder.
      const reversedBranch = this.reversedBranch.get(region);
      if (reversedBranch && this.enclosingLoops(region).length > 0)
        return this.recordOnStack(visible, region, reversedBranch);
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

  /**
   * A value computed in each iteration of a loop: the reversed loop's counter for the counter;
   * for anything else, pushed on a stack at the end of each iteration and popped at the start of
   * the reversed iteration (visible there, which is where the reverse sweep reads it).
   */
  private recordFromLoop(value: Value, loop: Op, body: Region): Value {
    if (loop.opcode === "for" && value === body.params[0]) return this.reverseCounter.get(value)!;
    const induction = this.induction(value);
    if (induction) {
      // init + (i - start) / step * increment, from the reversed loop's counter i
      const m = this.algebra;
      const [start, step] = [loop.operands[0]!, loop.operands[2]!].map((v) => this.record(v)) as [Value, Value];
      const done = m.apply("div", m.apply("sub", this.reverseCounter.get(body.params[0]!)!, start), step);
      return m.apply("add", this.record(induction.init), m.apply("mul", done, this.record(induction.increment)));
    }
    return this.recordOnStack(value, body, this.reversedBody.get(loop)!);
  }

  /**
   * For a forward value carried by a counted loop that adds the same integer in every iteration
   * (`lIndex++`), starting from an integer: its start and increment. Its value in any iteration
   * then follows from the counter, exactly (integers), so the reverse sweep computes it instead
   * of popping it.
   */
  private induction(value: Value): { init: Value; increment: Value } | undefined {
    const region = this.forwardRegionOf.get(value);
    const loop = region && this.forwardParent.get(region)?.op;
    // (a carried value: a parameter of the body after the counter)
    const j = region?.params.indexOf(value) ?? -1;
    if (loop?.opcode !== "for" || j < 1) return undefined;
    const primalLoop = this.primalOp.get(loop)!;
    const param = primalLoop.regions[0]!.params[j]!;
    const { init, next } = this.carrierOf(param)!;
    const update = this.primalDefinition.get(next);
    if (
      update?.opcode !== "add" ||
      this.primalRegionOf.get(next) !== primalLoop.regions[0] ||
      !update.operands.includes(param)
    )
      return undefined;
    const increment = update.operands[0] === param ? update.operands[1]! : update.operands[0]!;
    const integerSteps =
      Number.isInteger(this.constantValue(primalLoop.operands[2]!)) && this.isInteger(primalLoop.operands[0]!);
    const literal = this.primalDefinition.get(increment)?.opcode === "const";
    if (!literal || !this.isInteger(increment) || !this.isInteger(init) || !integerSteps) return undefined;
    return { init: this.forward.get(init)!, increment: this.forward.get(increment)! };
  }

  /** Pushes the value at the end of `pushRegion` (inside a loop) and pops it at the start of
   * `popRegion`, the region reversing it. */
  private recordOnStack(value: Value, pushRegion: Region, popRegion: Region): Value {
    const element = value.type === "number" ? "number" : value.type;
    const stackSpec = {
      opcode: "stack.new",
      results: [
        { type: "stack" as const, name: `${value.name ?? (value.type === "boolean" ? "branch" : "tmp")}Stack` },
      ],
      attrs: { element },
    };
    const outermost = this.enclosingLoops(pushRegion).at(-1)!;
    // Arrays made in an iteration are kept by reference, in a growable stack.
    const capacity = value.type === "array" ? undefined : this.capacityBefore(outermost, pushRegion);
    const stack =
      capacity && this.body.ops.includes(outermost)
        ? this.insertBefore(outermost, () => this.builder.op({ ...stackSpec, operands: [capacity] }).results[0]!)
        : this.stackAllocations.op({ ...stackSpec, operands: capacity ? [capacity] : [] }).results[0]!;
    pushRegion.ops.push({ opcode: "stack.push", operands: [stack, value], results: [], regions: [], attrs: {} });
    const popped = this.values.value(value.type, value.name);
    popRegion.ops.unshift({ opcode: "stack.pop", operands: [stack], results: [popped], regions: [], attrs: {} });
    this.recorded.set(value, popped);
    return popped;
  }

  /**
   * How many values a stack pushed once per iteration of `body` holds in all, when that is known
   * before `outermost` (the outermost loop around it) starts: the product of the trip counts of
   * counted loops whose bounds are computed before it. Undefined otherwise (the stack grows).
   */
  private capacityBefore(outermost: Op, body: Region): Value | undefined {
    const loops = this.enclosingLoops(body);
    // A loop nest inside a branch gets a capacity only from literals and parameters, computed
    // at the function's top (with the stack): a branch's values are not visible there.
    const top = this.body.ops.indexOf(outermost);
    if (loops.some((loop) => loop.opcode !== "for")) return undefined;
    const known = (v: Value) =>
      this.forwardDefinition.get(v)?.opcode === "const" ||
      this.primal.params.some((p) => this.forward.get(p.value) === v) ||
      this.entryValues.has(v) ||
      (top >= 0 &&
        this.forwardRegionOf.get(v) === this.body &&
        this.body.ops.indexOf(this.forwardDefinition.get(v)!) < top);
    if (!loops.every((loop) => loop.operands.slice(0, 3).every(known))) return undefined;
    // Loop nests with the same bounds share one computed capacity.
    const operandKey = (v: Value) => {
      const definition = this.forwardDefinition.get(v);
      return definition?.opcode === "const" ? `=${String(definition.attrs.value)}` : `#${v.id}`;
    };
    const key = loops
      .map((loop) => `${loop.operands.slice(0, 3).map(operandKey).join(",")}${String(loop.attrs.comparison)}`)
      .join(";");
    // Loops are reversed last first: a capacity computed for a later loop is no use before it.
    const cached = this.capacities.get(key);
    if (cached && known(cached)) return cached;
    const product = () =>
      loops.map((loop) => this.tripCount(loop)).reduce((total, count) => this.algebra.apply("mul", total, count));
    const capacity = top >= 0 ? this.insertBefore(outermost, product) : this.atEntry(product);
    this.capacities.set(key, capacity);
    return capacity;
  }

  /** The number of iterations of a forward counted loop, from its start, bound and step. */
  private tripCount(loop: Op): Value {
    const m = this.algebra;
    const [start, bound] = loop.operands.map((v) =>
      this.forwardDefinition.get(v)?.opcode === "const" ? m.literal(this.forwardDefinition.get(v)!.attrs) : v,
    ) as [Value, Value];
    const stepValue = this.forwardDefinition.get(loop.operands[2]!)!.attrs.value as number;
    const comparison = String(loop.attrs.comparison);
    const inclusive = comparison === "le" || comparison === "ge";
    const primalLoop = this.primalOp.get(loop)!;
    const span = stepValue > 0 ? m.apply("sub", bound, start) : m.apply("sub", start, bound);
    const integers =
      Math.abs(stepValue) === 1 && this.isInteger(primalLoop.operands[0]!) && this.isInteger(primalLoop.operands[1]!);
    const count = integers
      ? inclusive
        ? m.apply("add", span, m.num(1))
        : span
      : inclusive
        ? m.apply("add", m.apply("floor", m.apply("div", span, m.num(Math.abs(stepValue)))), m.num(1))
        : m.apply("ceil", m.apply("div", span, m.num(Math.abs(stepValue))));
    const neverNegative =
      !inclusive &&
      stepValue === 1 &&
      this.forwardDefinition.get(loop.operands[0]!)?.attrs.value === 0 &&
      this.forwardDefinition.get(loop.operands[1]!)?.opcode === "array.length";
    return neverNegative ? count : m.apply("max", m.num(0), count);
  }

  /** Builds ops with `build` among the stack allocations, at the function's top. */
  private atEntry(build: () => Value): Value {
    const start = this.stackAllocations.region.ops.length;
    const result = this.builder.inRegion(this.stackAllocations.region, build);
    for (const op of this.stackAllocations.region.ops.slice(start)) {
      op.results.forEach((r) => {
        this.forwardRegionOf.set(r, this.body);
        this.forwardDefinition.set(r, op);
        this.entryValues.add(r);
      });
    }
    return result;
  }

  /** Builds ops with `build` and places them in the forward sweep just before `anchor`. */
  private insertBefore<R>(anchor: Op, build: () => R): R {
    const scratch = emptyRegion();
    const result = this.builder.inRegion(scratch, build);
    this.body.ops.splice(this.body.ops.indexOf(anchor), 0, ...scratch.ops);
    this.forwardOps += scratch.ops.length;
    for (const op of scratch.ops) {
      op.results.forEach((r) => {
        this.forwardRegionOf.set(r, this.body);
        this.forwardDefinition.set(r, op);
      });
    }
    return result;
  }

  private isRecomputable(value: Value, definingOp: Op): boolean {
    if (!cheapToRecompute.has(definingOp.opcode)) return false;
    const isRead = definingOp.opcode === "array.get" || definingOp.opcode === "array.row";
    if (isRead) return this.settledWhenRead(definingOp.operands[0]!, definingOp);
    if (definingOp.opcode === "array.length") return !this.growingArrays.has(definingOp.operands[0]!);
    // In a loop, computing a cheap value again beats a push and a pop; elsewhere a named value
    // stays recorded, as `Math.cos(z)` reads better than `Math.cos(x * y)`.
    return value.name === undefined || this.enclosingLoops(this.forwardRegionOf.get(value)!).length > 0;
  }

  /**
   * True when the reverse sweep, reading the array where the forward op `read` did, finds the
   * same elements: the array is never written, or only by top-level ops before the one holding
   * `read` (nothing after it runs before the reverse sweep, which writes no primal array).
   */
  private settledWhenRead(array: Value, read: Op): boolean {
    const lastWrite = this.lastWriteAt.get(array);
    if (lastWrite === undefined) return true;
    let top = read;
    for (let region = this.forwardOpRegion.get(top)!; region !== this.body; region = this.forwardOpRegion.get(top)!) {
      top = this.forwardParent.get(region)!.op;
    }
    const position = this.topPosition.get(top);
    return position !== undefined && this.forwardRegionOf.get(array) === this.body && lastWrite < position;
  }

  /** True for a forward array read whose result carries a derivative. */
  private isActiveRead(op: Op): boolean {
    return op.opcode === "array.get" && this.activity.isActive(this.primalOp.get(op)!.results[0]!);
  }

  /** True when the reverse sweep can have `value` without pushing anything on a stack. */
  private readableWithoutStorage(value: Value): boolean {
    const definingOp = this.forwardDefinition.get(value);
    if (definingOp?.opcode === "const" || this.recorded.has(value) || this.forwardRegionOf.get(value) === this.body)
      return true;
    const region = this.forwardRegionOf.get(value)!;
    if (this.forwardParent.get(region)?.op.opcode === "for" && value === region.params[0]) return true;
    const induction = this.induction(value);
    if (induction) return this.readableWithoutStorage(induction.init);
    if (definingOp && this.isRecomputable(value, definingOp))
      return definingOp.operands.every((v) => this.readableWithoutStorage(v));
    return !this.enclosingLoops(region).length;
  }

  /** The loop ops around a forward region, innermost first. */
  private enclosingLoops(region: Region): Op[] {
    const loops: Op[] = [];
    for (let parent = this.forwardParent.get(region); parent; parent = this.forwardParent.get(parent.region)) {
      if (loopParts(parent.op)) loops.push(parent.op);
    }
    return loops;
  }

  /** The value, a literal equal to it, or its recorded copy, when readable at the top already. */
  private readableWithoutRecording(value: Value): Value | undefined {
    const definingOp = this.forwardDefinition.get(value);
    if (definingOp?.opcode === "const") return this.algebra.literal(definingOp.attrs);
    let visible: Value | undefined = value;
    while (visible && this.forwardRegionOf.has(visible) && this.forwardRegionOf.get(visible) !== this.body) {
      visible = this.recorded.get(visible);
    }
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
      } else if (loopParts(op)) {
        const { body, inits } = loopParts(op)!;
        for (const j of this.activeCarried(op)) {
          if (isActive(body.yields[j]!)) addSite(body.yields[j]!, body);
          if (isActive(inits[j]!)) addSite(inits[j]!, region);
        }
        this.countSites(body);
      } else {
        contributionTargets(op, isActive).forEach((target) => addSite(target, region));
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
    const existing = this.adjoints.get(value);
    if (existing?.kind === "cell") {
      this.builder.op({ opcode: "cell.add", operands: [existing.cell, contribution] });
      return;
    }
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
    if (this.currentPrimalRegion !== this.primalRegionOf.get(value)) {
      throw new Error(`adjoint of value ${value.id} was not declared before a nested contribution`);
    }
    this.declareCell(value, contribution);
  }

  private declareCell(value: Value, initial: Value): Value {
    const name = adjointName(value);
    const cell = this.builder.op({
      opcode: "cell.new",
      operands: [initial],
      results: [name === undefined ? { type: "cell" } : { type: "cell", name }],
    }).results[0]!;
    cell.adjointOf = this.forward.get(value)!;
    this.adjoints.set(value, { kind: "cell", cell });
    return cell;
  }

  /** The gradient of an array (a parameter, or one the function creates at its top), allocated
   * zeroed before the reverse sweep. */
  private arrayAdjoint(array: Value): Value {
    const existing = this.adjoints.get(array);
    if (existing?.kind === "array") return existing.array;
    const definition = this.primalDefinition.get(array);
    if (definition?.opcode === "array.row") {
      // The gradient of a row is the same row of the gradient, read where it is needed.
      const [rows, index] = definition.operands as [Value, Value];
      return this.algebra.recompute(
        "array.row",
        [this.arrayAdjoint(rows), this.resolve(this.placeholder(index))],
        "array",
      );
    }
    const param = this.primal.params.find((p) => p.value === array);
    if (param?.rowKind || param?.elementFields) {
      const shape: Op["attrs"] = param.rowKind ? { rows: param.rowKind } : { fields: param.elementFields! };
      const adjoint = this.adjointAllocations.emit(
        "array.zerosLike",
        [this.forward.get(array)!],
        "array",
        shape,
        `d${array.name}`,
      );
      adjoint.adjointOf = this.forward.get(array)!;
      this.adjoints.set(array, { kind: "array", array: adjoint });
      return adjoint;
    }
    const kind = param?.arrayKind ?? String(this.primalDefinition.get(array)!.attrs.kind);
    const forwardArray = this.forward.get(array)!;
    if (!param && this.primalRegionOf.get(array) !== this.primal.body) return this.iterationArrayAdjoint(array, kind);
    const length = this.adjointAllocations.emit("array.length", [forwardArray], "number");
    // A parameter's gradient may be written into an array the caller provides (see the backend).
    const attrs: Op["attrs"] = param?.differentiated ? { kind, output: param.value.name! } : { kind };
    const adjoint = this.adjointAllocations.emit(
      "array.zeros",
      [length],
      "array",
      attrs,
      array.name === undefined ? undefined : `d${array.name}`,
    );
    adjoint.adjointOf = forwardArray;
    this.adjoints.set(array, { kind: "array", array: adjoint });
    return adjoint;
  }

  /**
   * The gradient of an array created inside a loop or a branch: a new one for every execution of
   * that region, allocated at the start of its reversed region (after the values it pops).
   */
  private iterationArrayAdjoint(array: Value, kind: string): Value {
    const creation = this.primalDefinition.get(array)!;
    const reversed = this.reversedRegions.get(this.primalRegionOf.get(array)!)!;
    const scratch = emptyRegion();
    const adjoint = this.builder.inRegion(scratch, () => {
      const grows = this.growingArrays.has(this.forward.get(array)!);
      const length = grows
        ? this.builder.emit("array.length", [this.resolve(this.placeholder(array))], "number")
        : creation.opcode === "array.new"
          ? this.resolve(this.placeholder(creation.operands[0]!))
          : creation.opcode === "array.literal"
            ? this.algebra.num(creation.operands.length)
            : this.builder.emit("array.length", [this.resolve(this.placeholder(creation.operands[0]!))], "number");
      return this.builder.emit(
        "array.zeros",
        [length],
        "array",
        { kind },
        array.name === undefined ? undefined : `d${array.name}`,
      );
    });
    adjoint.adjointOf = this.forward.get(array)!;
    const afterPops = reversed.ops.findIndex((op) => op.opcode !== "stack.pop");
    reversed.ops.splice(afterPops < 0 ? reversed.ops.length : afterPops, 0, ...scratch.ops);
    this.adjoints.set(array, { kind: "array", array: adjoint });
    return adjoint;
  }

  private adjointValue(value: Value): Value | undefined {
    const adjoint = this.adjoints.get(value);
    if (!adjoint) return undefined;
    if (adjoint.kind === "value") return adjoint.value;
    if (adjoint.kind === "array") throw new Error("an array's adjoint is not a number");
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
      else if (loopParts(op)) this.reverseLoop(op);
      else if (op.opcode === "array.get" && this.activity.isActive(op.results[0]!)) this.reverseArrayGet(op);
      else if (op.opcode === "array.set" && this.activity.isActive(op.operands[0]!)) this.reverseArraySet(op);
      else if (op.opcode === "array.literal" && this.activity.isActive(op.results[0]!)) this.reverseArrayLiteral(op);
      else if (op.opcode === "array.copy" && this.activity.isActive(op.results[0]!)) this.reverseArrayCopy(op);
      else if (op.opcode === "call" && op.attrs.derivative !== undefined && this.activity.isActive(op.results[0]!))
        this.reverseCallWithDerivative(op);
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
      if (!this.activity.isActive(operand) || this.implicitContributions.get(op)?.has(operand)) continue;
      let partial: Value | undefined;
      op.operands.forEach((v, i) => {
        if (v !== operand) return;
        const term = rule.partial(this.algebra, inputs, output, i);
        partial = partial === undefined ? term : this.algebra.apply("add", partial, term);
      });
      this.contribute(operand, this.algebra.apply("mul", resultAdjoint, partial!));
    }
  }

  /** The carried values of a loop that carry a derivative. */
  private activeCarried(op: Op): number[] {
    const { body, carriedParams } = loopParts(op)!;
    const isActive = (v: Value) => this.activity.isActive(v);
    return op.results.flatMap((r, j) =>
      isActive(r) || isActive(carriedParams[j]!) || isActive(body.yields[j]!) ? [j] : [],
    );
  }

  /** Values yielded inside `op` whose adjoints its reversal adds to. */
  private yieldTargets(op: Op): Value[] {
    const isActive = (v: Value) => this.activity.isActive(v);
    const loop = loopParts(op);
    if (loop)
      return this.activeCarried(op).flatMap((j) => (isActive(loop.body.yields[j]!) ? [loop.body.yields[j]!] : []));
    return op.results.flatMap((r, j) =>
      isActive(r) ? op.regions.flatMap((branch) => (isActive(branch.yields[j]!) ? [branch.yields[j]!] : [])) : [],
    );
  }

  /** Number values defined outside `op` whose adjoints receive contributions inside it. */
  private targetsInside(op: Op): Value[] {
    const inside = new Set<Value>();
    const targets = new Set<Value>(this.yieldTargets(op));
    const isActive = (v: Value) => this.activity.isActive(v);
    const visit = (region: Region) => {
      region.params.forEach((p) => inside.add(p));
      for (const inner of region.ops) {
        if (inner.opcode === "if" || loopParts(inner)) {
          this.yieldTargets(inner).forEach((v) => targets.add(v));
          const loop = loopParts(inner);
          if (loop) this.activeCarried(inner).forEach((j) => targets.add(loop.inits[j]!));
          inner.regions.forEach(visit);
        } else {
          contributionTargets(inner, isActive).forEach((v) => targets.add(v));
        }
        inner.results.forEach((r) => inside.add(r));
      }
    };
    op.regions.forEach(visit);
    return [...targets].filter((v) => !inside.has(v) && v.type === "number" && isActive(v));
  }

  private declareTargets(op: Op): void {
    for (const target of this.targetsInside(op)) {
      if (!this.adjoints.has(target)) this.declareCell(target, this.algebra.num(0));
    }
  }

  /**
   * The cell that carries the adjoint of carried value j backwards through the loop, starting
   * from the adjoint of the loop's result: the result's own cell when it has one (nothing adds
   * to it after this point), a new one otherwise.
   */
  private carriedCell(op: Op, j: number): Value {
    const param = loopParts(op)!.carriedParams[j]!;
    const resultAdjoint = this.adjoints.get(op.results[j]!);
    if (resultAdjoint?.kind === "cell") {
      this.adjoints.set(param, resultAdjoint);
      return resultAdjoint.cell;
    }
    return this.declareCell(param, this.adjointValue(op.results[j]!) ?? this.algebra.num(0));
  }

  /** `y = a[i]` reversed: `da[i] += dy`. */
  private reverseArrayGet(op: Op): void {
    const adjoint = this.adjointValue(op.results[0]!);
    if (!adjoint || !this.activity.isActive(op.operands[0]!)) return;
    const index = this.resolve(this.placeholder(op.operands[1]!));
    const field: Op["attrs"] = op.attrs.field === undefined ? {} : { field: op.attrs.field };
    this.builder.op({
      opcode: "array.add",
      operands: [this.arrayAdjoint(op.operands[0]!), index, adjoint],
      attrs: field,
    });
  }

  /** `a[i] = v` reversed: `dv += da[i]; da[i] = 0` (the element's old value did not reach the result). */
  private reverseArraySet(op: Op): void {
    const [array, index, value] = op.operands as [Value, Value, Value];
    const adjointArray = this.arrayAdjoint(array);
    const at = this.resolve(this.placeholder(index));
    const elementAdjoint = this.builder.emit("array.get", [adjointArray, at], "number");
    const update = this.updatesInPlace(op);
    if (update) this.implicitContribution(update.op, update.old);
    else this.builder.op({ opcode: "array.set", operands: [adjointArray, at, this.algebra.num(0)] });
    if (this.activity.isActive(value)) this.contribute(value, elementAdjoint);
  }

  /**
   * For `a[i] = a[i] + t` (or `a[i] - t`, `t + a[i]`), the old element's adjoint is the new one's:
   * the element's adjoint stays as it is rather than being emptied and added back. Returns the
   * `add`/`sub` op and the old element it reads, or undefined.
   */
  private updatesInPlace(set: Op): { op: Op; old: Value } | undefined {
    const [array, index, value] = set.operands as [Value, Value, Value];
    const op = this.primalDefinition.get(value);
    if (!op || !(op.opcode === "add" || op.opcode === "sub") || op.operands[0] === op.operands[1]) return undefined;
    const candidates = op.opcode === "sub" ? [op.operands[0]!] : op.operands;
    const old = candidates.find((v) => {
      const read = this.primalDefinition.get(v);
      return read?.opcode === "array.get" && read.operands[0] === array && read.operands[1] === index;
    });
    return old && countUses(this.primalRegionOf.get(old)!, old) === 1 ? { op, old } : undefined;
  }

  /** `b = [u, v]` reversed: `du += db[0]; dv += db[1]`. */
  private reverseArrayLiteral(op: Op): void {
    const adjointArray = this.arrayAdjoint(op.results[0]!);
    op.operands.forEach((element, k) => {
      if (this.activity.isActive(element))
        this.contribute(element, this.builder.emit("array.get", [adjointArray, this.algebra.num(k)], "number"));
    });
  }

  /**
   * `y = f(a, b)` reversed with f's derivative: a rule gives the cotangents of a and b from the
   * arguments and dy (`const g = fVjp(a, b, dy); da += g.a`), a gradient function their
   * derivatives (`const g = fGrad(a, b); da += dy * g.grad.a`).
   */
  private reverseCallWithDerivative(op: Op): void {
    const adjoint = this.adjointValue(op.results[0]!);
    if (!adjoint) return;
    const vjp = op.attrs.derivativeKind === "vjp";
    const args = op.operands.map((v) => this.resolve(this.placeholder(v)));
    const result = this.builder.emit("call", vjp ? [...args, adjoint] : args, "object", {
      callee: String(op.attrs.derivative),
    });
    const partials = op.attrs.partials as readonly string[];
    op.operands.forEach((operand, i) => {
      if (partials[i] === "" || !this.activity.isActive(operand)) return;
      const path = vjp ? partials[i]! : `grad.${partials[i]}`;
      const cotangent = this.builder.emit("field", [result], operand.type, { path });
      if (operand.type === "array") {
        const scale = vjp ? [] : [adjoint];
        this.builder.op({ opcode: "array.addAll", operands: [this.arrayAdjoint(operand), cotangent, ...scale] });
      } else {
        this.contribute(operand, vjp ? cotangent : this.algebra.apply("mul", adjoint, cotangent));
      }
    });
  }

  /** `b = a.slice()` reversed: `da[k] += db[k]` for every k. */
  private reverseArrayCopy(op: Op): void {
    const [source] = op.operands as [Value];
    if (!this.activity.isActive(source)) return;
    this.builder.op({
      opcode: "array.addAll",
      operands: [this.arrayAdjoint(source), this.arrayAdjoint(op.results[0]!)],
    });
  }

  /**
   * A loop reversed: a counted loop runs its counter backwards, a `while` loop runs as many
   * times as the forward loop did (counted there). Each carried value has a cell holding the
   * adjoint that flows backwards from one iteration to the one before.
   */
  private reverseLoop(op: Op): void {
    const carried = this.activeCarried(op);
    const { body, carriedParams, inits } = loopParts(op)!;
    if (carried.length === 0 && !this.hasActiveArrayEffects(body)) return;
    const cells = carried.map((j) => this.carriedCell(op, j));
    this.declareTargets(op);
    const forwardLoop = this.forwardOf.get(op)!;
    const header = op.opcode === "for" ? this.reversedCounter(op, forwardLoop) : this.reversedIterations(forwardLoop);
    const reversed = emptyRegion([header.counter]);
    this.reversedBody.set(forwardLoop, reversed);
    this.reversedRegions.set(body, reversed);
    this.builder.inRegion(reversed, () => {
      const saved = this.currentPrimalRegion;
      this.currentPrimalRegion = body;
      if (op.loc) this.builder.loc = op.loc;
      const incoming = cells.map((cell) => {
        const read = this.builder.emit("cell.read", [cell], "number");
        this.reads.add(read);
        return read;
      });
      const inPlace = carried.map((j) => this.accumulatesInPlace(body, carriedParams[j]!, body.yields[j]!));
      carried.forEach((_, k) => {
        const accumulation = inPlace[k];
        if (accumulation) accumulation.marks.forEach(([op, operand]) => this.implicitContribution(op, operand));
        else this.builder.op({ opcode: "cell.set", operands: [cells[k]!, this.algebra.num(0)] });
      });
      carried.forEach((j, k) => {
        const next = body.yields[j]!;
        // Through an inner loop, the inner loop itself carries the adjoint in this very cell.
        if (inPlace[k]?.throughLoop) this.adjoints.set(next, { kind: "cell", cell: cells[k]! });
        else if (this.activity.isActive(next)) this.contribute(next, incoming[k]!);
      });
      this.reverseRegion(body);
      this.currentPrimalRegion = saved;
    });
    this.builder.op({
      opcode: "for",
      operands: header.operands,
      regions: [reversed],
      attrs: { comparison: header.comparison },
      ...(op.loc ? { loc: op.loc } : {}),
    });
    carried.forEach((j, k) => {
      const init = inits[j]!;
      if (this.activity.isActive(init) && !this.implicitContributions.get(op)?.has(init)) {
        const read = this.builder.emit("cell.read", [cells[k]!], "number");
        this.reads.add(read);
        this.contribute(init, read);
      }
    });
  }

  private implicitContribution(op: Op, operand: Value): void {
    const operands = this.implicitContributions.get(op);
    if (operands) operands.add(operand);
    else this.implicitContributions.set(op, new Set([operand]));
  }

  /** `for (i = last; i >= start; i -= step)` for a counted loop; its counter stands for the forward one. */
  private reversedCounter(op: Op, forwardLoop: Op) {
    const [start, bound, step] = op.operands.slice(0, 3).map((v) => this.resolve(this.placeholder(v))) as [
      Value,
      Value,
      Value,
    ];
    const stepValue = this.constantValue(op.operands[2]!);
    const counter = this.values.value("number", op.regions[0]!.params[0]!.name);
    this.reverseCounter.set(forwardLoop.regions[0]!.params[0]!, counter);
    const last = this.lastCounterValue(op, start, bound, step, stepValue, String(op.attrs.comparison));
    return { counter, operands: [last, start, this.algebra.num(-stepValue)], comparison: stepValue > 0 ? "ge" : "le" };
  }

  /**
   * `for (k = iterations - 1; k >= 0; k--)` for a `while` loop: the forward loop is given a
   * counter of its iterations, read (recorded) here.
   */
  private reversedIterations(forwardLoop: Op) {
    const [, body] = forwardLoop.regions as [Region, Region];
    const region = this.forwardOpRegion.get(forwardLoop)!;
    forwardLoop.operands.push(this.stackAllocations.constant(0));
    forwardLoop.regions[0]!.params.push(this.values.value("number"));
    const current = this.values.value("number", "iterations");
    body.params.push(current);
    this.forwardRegionOf.set(current, body);
    const one = this.values.value("number");
    const next = this.values.value("number", "iterations");
    body.ops.push(
      { opcode: "const", operands: [], results: [one], regions: [], attrs: { value: 1 } },
      { opcode: "add", operands: [current, one], results: [next], regions: [], attrs: {} },
    );
    body.yields.push(next);
    const iterations = this.values.value("number", "iterations");
    forwardLoop.results.push(iterations);
    this.forwardRegionOf.set(iterations, region);
    this.forwardDefinition.set(iterations, forwardLoop);
    const count = this.record(iterations);
    const counter = this.values.value("number", "iteration");
    return {
      counter,
      operands: [this.algebra.apply("sub", count, this.algebra.num(1)), this.algebra.num(0), this.algebra.num(-1)],
      comparison: "ge",
    };
  }

  /** True when the region reads or writes, at any depth, an element that carries a derivative. */
  private hasActiveArrayEffects(region: Region): boolean {
    return region.ops.some(
      (op) =>
        (op.opcode === "array.get" && this.activity.isActive(op.results[0]!)) ||
        (op.opcode === "array.set" && this.activity.isActive(op.operands[0]!)) ||
        op.regions.some((r) => this.hasActiveArrayEffects(r)),
    );
  }

  /**
   * For `s = s + t` (or `s - t`, `t + s`) where the body reads `s` nowhere else, the adjoint of
   * `s` in one iteration is that of the next `s`: the reversed loop leaves the cell as it is
   * instead of emptying it and adding it back. The same holds along branches that add to `s` or
   * leave it alone (`if (x[i] > 0) s += x[i]`), and when the next `s` comes out of an inner loop
   * that starts from `s` (nested sums). Returns the contributions the cell makes implicitly (an
   * op and the operand or yield it would otherwise pass the adjoint to), or undefined.
   */
  private accumulatesInPlace(body: Region, param: Value, next: Value): InPlace | undefined {
    if (countUses(body, next) !== 1) return undefined;
    const op = body.ops.find((candidate) => candidate.results.includes(next));
    const loop = op && loopParts(op);
    if (loop) {
      const startsFromParam = loop.inits[op.results.indexOf(next)] === param && countUses(body, param) === 1;
      return startsFromParam ? { marks: [[op, param]], throughLoop: true } : undefined;
    }
    const path = this.additivePath(body, param, next);
    return path && path.leaves === countUses(body, param) ? { marks: path.marks, throughLoop: false } : undefined;
  }

  /** How `value` is `param` plus other terms, through adds, subtractions and branches, if it is. */
  private additivePath(
    region: Region,
    param: Value,
    value: Value,
  ): { marks: [Op, Value][]; leaves: number } | undefined {
    if (value === param) return { marks: [], leaves: 1 };
    const op = region.ops.find((candidate) => candidate.results.includes(value));
    if (!op) return undefined;
    if ((op.opcode === "add" || op.opcode === "sub") && op.operands[0] !== op.operands[1]) {
      for (const operand of op.opcode === "sub" ? [op.operands[0]!] : op.operands) {
        if (operand !== param && countUses(region, operand) !== 1) continue;
        const rest = this.additivePath(region, param, operand);
        // Only the step that hands the adjoint to `s` itself is left to the cell.
        if (rest) return { marks: operand === param ? [[op, operand]] : rest.marks, leaves: rest.leaves };
      }
      return undefined;
    }
    if (op.opcode !== "if") return undefined;
    const k = op.results.indexOf(value);
    const branches = op.regions.map((branch) => {
      const yielded = branch.yields[k]!;
      if (yielded !== param && countUses(branch, yielded) !== 1) return undefined;
      const rest = this.additivePath(branch, param, yielded);
      return rest && { marks: yielded === param ? [[op, yielded] as [Op, Value]] : rest.marks, leaves: rest.leaves };
    });
    if (branches.some((b) => b === undefined)) return undefined;
    return { marks: branches.flatMap((b) => b!.marks), leaves: branches.reduce((sum, b) => sum + b!.leaves, 0) };
  }

  private constantValue(value: Value): number {
    const definition = this.primalDefinition.get(value);
    if (definition?.opcode !== "const") throw new Error("a loop step must be a literal");
    return definition.attrs.value as number;
  }

  /**
   * The counter's value in the last iteration: `bound - 1` for `i < bound` counting up by one
   * from an integer to an integer, and in general start + (n - 1) * step with n the trip count.
   */
  private lastCounterValue(
    op: Op,
    start: Value,
    bound: Value,
    step: Value,
    stepValue: number,
    comparison: string,
  ): Value {
    const m = this.algebra;
    const inclusive = comparison === "le" || comparison === "ge";
    if (Math.abs(stepValue) === 1 && this.isInteger(op.operands[0]!) && this.isInteger(op.operands[1]!)) {
      return inclusive ? bound : m.apply(stepValue > 0 ? "sub" : "add", bound, m.num(1));
    }
    const quotient = m.apply("div", m.apply("sub", bound, start), step);
    const trips = inclusive ? m.apply("add", m.apply("floor", quotient), m.num(1)) : m.apply("ceil", quotient);
    return m.apply("add", start, m.apply("mul", m.apply("sub", trips, m.num(1)), step));
  }

  /**
   * True when the primal value is always an integer: int parameters, lengths, integer literals,
   * sums, differences and products of those, and loop counters. A value carried by a loop is when its start
   * and what each iteration yields are; around the loop, it is assumed to be (`visiting`), which
   * holds by induction over the iterations.
   */
  private isInteger(value: Value, visiting = new Set<Value>()): boolean {
    if (visiting.has(value)) return true;
    visiting.add(value);
    const param = this.primal.params.find((p) => p.value === value);
    if (param) return param.integer === true;
    const loop = this.loopOfCounter.get(value);
    if (loop) return this.isInteger(loop.operands[0]!, visiting);
    const carrier = this.carrierOf(value);
    if (carrier) return this.isInteger(carrier.init, visiting) && this.isInteger(carrier.next, visiting);
    const definition = this.primalDefinition.get(value);
    if (!definition) return false;
    if (definition.opcode === "const") return Number.isInteger(definition.attrs.value);
    if (definition.opcode === "array.length") return true;
    if (["add", "sub", "mul"].includes(definition.opcode))
      return definition.operands.every((v) => this.isInteger(v, visiting));
    if (definition.opcode === "for") {
      const j = definition.results.indexOf(value);
      const { body, inits } = loopParts(definition)!;
      return this.isInteger(inits[j]!, visiting) && this.isInteger(body.yields[j]!, visiting);
    }
    return false;
  }

  /** For a value a `for` body's parameter carries: its value before the loop and the next one. */
  private carrierOf(value: Value): { init: Value; next: Value } | undefined {
    const region = this.primalRegionOf.get(value);
    const loop = region && this.loopOfCounter.get(region.params[0]!);
    const j = loop ? region.params.indexOf(value) - 1 : -1;
    return j >= 0 ? { init: loopParts(loop!)!.inits[j]!, next: region!.yields[j]! } : undefined;
  }

  private reverseIf(op: Op): void {
    const activeResults = op.results.flatMap((r, j) => (this.activity.isActive(r) ? [j] : []));
    if (
      this.targetsInside(op).length === 0 &&
      activeResults.length === 0 &&
      !op.regions.some((r) => this.hasActiveArrayEffects(r))
    )
      return;
    const resultAdjoints = activeResults.map((j) => this.adjointValue(op.results[j]!));
    this.declareTargets(op);
    const condition = this.resolve(this.placeholder(op.operands[0]!));
    const forwardIf = this.forwardOf.get(op)!;
    const regions = op.regions.map((branch, k) => {
      const reversed = emptyRegion();
      this.reversedRegions.set(branch, reversed);
      this.reversedBranch.set(forwardIf.regions[k]!, reversed);
      this.builder.inRegion(reversed, () => {
        const saved = this.currentPrimalRegion;
        this.currentPrimalRegion = branch;
        // What a branch yields is adjoint code of the `if` itself, not of the other branch's last line.
        if (op.loc) this.builder.loc = op.loc;
        activeResults.forEach((j, k) => {
          const yielded = branch.yields[j]!;
          const adjoint = resultAdjoints[k];
          if (adjoint && this.activity.isActive(yielded) && !this.implicitContributions.get(op)?.has(yielded))
            this.contribute(yielded, adjoint);
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

/** How often a value is an operand or a yield in a region and the regions nested in it (the
 * region's own yields included). */
function countUses(region: Region, value: Value): number {
  let count = region.yields.filter((v) => v === value).length;
  for (const op of region.ops) {
    count += op.operands.filter((v) => v === value).length;
    for (const nested of op.regions) count += countUses(nested, value);
  }
  return count;
}

/**
 * The values the reverse of an op (other than `if` and loops) contributes adjoints to, once per
 * contribution: a primitive sums the partials of a repeated operand into one contribution; an
 * array literal, a returned object and a call with a derivative make one per occurrence.
 */
function contributionTargets(op: Op, isActive: (v: Value) => boolean): Value[] {
  const result = op.results[0];
  if (op.opcode === "array.set") return isActive(op.operands[0]!) && isActive(op.operands[2]!) ? [op.operands[2]!] : [];
  if (result === undefined || !isActive(result)) return [];
  if (op.opcode === "array.literal" || op.opcode === "object") return op.operands.filter(isActive);
  if (op.opcode === "call" && op.attrs.derivative !== undefined) {
    return op.operands.filter((v, i) => (op.attrs.partials as readonly string[])[i] !== "" && isActive(v));
  }
  return differentiableOp(op) ? [...new Set(op.operands)].filter(isActive) : [];
}

export function reverseMode(primal: IRFunction, activity: Activity): GradientIR {
  return new ReverseTransform(primal, activity).run();
}
