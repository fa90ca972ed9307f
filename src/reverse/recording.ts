/**
 * Recording (the to-be-recorded analysis): how the reverse sweep gets each forward value it
 * reads, and the storage that takes in the forward sweep.
 *
 * The reverse sweep reads only what the rules of active ops read (and the conditions, bounds
 * and indices of what it reverses), and gets each such value the cheapest way that is correct:
 * - a literal is repeated in place; a value computed at the function's top is read directly;
 * - a cheap value (a comparison, a sum, an element of an array never written after it) is
 *   computed again from its operands, marked `recomputed` in the IR; an active element read is
 *   recomputed from its index even when the index has to be stored (the index is recorded
 *   instead of the value);
 * - a value computed inside branches, outside loops, is carried out of each enclosing `if` as an
 *   extra result (`undef` from the other branch) up to the function's top;
 * - a loop's counter is the reversed loop's counter, and an induction variable (`k += 2`) is
 *   computed from it;
 * - in a reversed loop run in primal order (`inPrimalOrder`), a passive value the loop carries
 *   (a running power) is carried again by the reversed loop, and cheap values of it recomputed;
 * - anything else computed in a loop iteration (or a branch inside a loop) is pushed on a stack
 *   at the end of its region and popped at the start of the region reversing it: a typed array
 *   sized by the product of the trip counts when they are known before the loop nest starts,
 *   else a stack that grows.
 *
 * `Recording` makes these decisions while the adjoint writer first runs with nothing written
 * down (the planning run: its reverse sweep is thrown away); they are the plan. The forward
 * sweep is then built from the plan's edits (`ForwardSweep.apply`), and the adjoint writer runs
 * again, reading every value as the plan says: it never changes the forward sweep, and a read
 * the plan does not hold is an internal error. `printRecordingPlan` prints the plan
 * (`adjoint --dump-ir=recording`).
 */
import type { Activity } from "../analysis/activity.js";
import { reverseHints } from "../backend/naming.js";
import { type LoopAnalysis, tripCount } from "../analysis/counted-loops.js";
import { at, operandOf, resultOf } from "../ir/access.js";
import { attrsOf, isOp } from "../ir/attrs.js";
import { type Builder, emptyRegion, type ValueFactory } from "../ir/builder.js";
import { loopParts } from "../ir/loops.js";
import { isCheapToRecompute } from "../ir/op-definitions.js";
import { printAnnotated } from "../ir/printer.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import type { AdjointAlgebra } from "./adjoint-algebra.js";
import type { ForwardSweep } from "./forward-sweep.js";

/** How the reverse sweep reads one forward value. */
export type Read =
  | { how: "literal" }
  | { how: "negated literal" }
  | { how: "at the top" }
  | { how: "recomputed" }
  | { how: "carried out of branches"; result: Value }
  | { how: "stack"; stack: Value; popped: Value; popsIn: Op | Region }
  | { how: "loop counter"; loop: Op }
  /** A carried value of a loop reversed in primal order, carried again by the reversed loop. */
  | { how: "replayed"; loop: Op; param: Value }
  | { how: "induction variable"; loop: Op; init: Value; increment: Value };

/** A change the plan makes to the forward sweep (see `ForwardSweep.apply`). */
export type ForwardEdit =
  /** `value`, computed in branch `from` of `op`, becomes the extra result `result`. */
  | { kind: "carry-out"; op: Op; from: Region; value: Value; result: Value; placeholders: Value[] }
  /** Ops placed at the top, just before the top-level op `anchor`. */
  | { kind: "insert-before"; anchor: Op; ops: Op[] }
  | { kind: "push"; region: Region; stack: Value; value: Value }
  /** A `while` loop counts its iterations, from `zero`, into the result `iterations`. */
  | { kind: "count-iterations"; loop: Op; zero: Value; current: Value; next: Value; iterations: Value };

/** What the adjoint writer tells the recording about the reverse sweep it is building. */
export interface ReverseSweepState {
  /** The region reversing a forward loop's body or a forward branch, once it is being built. */
  reversedRegion(of: Op | Region): Region | undefined;
  /** The reversed loop's counter, which stands for the forward loop's. */
  reversedCounter(loop: Op): Value;
  /** The reversed loop's own copy of the forward loop's carried value `param` (a loop the
   * reverse sweep runs in primal order). */
  replayedParam(loop: Op, param: Value): Value;
}

export class Recording {
  /** Each value the reverse sweep reads, in the order it first reads them. */
  readonly reads = new Map<Value, Read>();
  readonly edits: ForwardEdit[] = [];
  /** Ops placed before the forward sweep: stacks, the sizes they are computed from before any
   * loop runs, and the iteration counters' zeros. */
  readonly entry: Builder;
  /** Whether reads not yet in the plan may still be decided. */
  private planning = true;
  /** Forward value -> the value that stands for it one region further out (see `decide`). */
  private readonly recorded = new Map<Value, Value>();
  private readonly capacities = new Map<string, Value>();
  /** Values computed among the entry ops, and ops inserted before a top-level op. */
  private readonly entryValues = new Set<Value>();
  private readonly insertedBefore = new Map<Op, Op>();
  /** Each `while` loop's iteration count, once it counts them. */
  private readonly iterationCounts = new Map<Op, Value>();
  /** Pops already placed in the reverse sweep (see `materialize`). */
  private readonly placedPops = new Set<Value>();
  private sweep?: ReverseSweepState;
  private algebra?: AdjointAlgebra;
  private builder?: Builder;

  constructor(
    private readonly forward: ForwardSweep,
    private readonly activity: Activity,
    private readonly loops: LoopAnalysis,
    private readonly values: ValueFactory,
    builderFor: (region: Region) => Builder,
    /** The primal loops whose reversed bodies run in primal order (see iteration-order.ts). */
    readonly inPrimalOrder: ReadonlySet<Op> = new Set(),
  ) {
    this.entry = builderFor(emptyRegion());
  }

  /** Starts a run of the adjoint writer: the planning run, or the run that follows the plan. */
  startRun(sweep: ReverseSweepState, algebra: AdjointAlgebra, builder: Builder): void {
    this.sweep = sweep;
    this.algebra = algebra;
    this.builder = builder;
    this.placedPops.clear();
  }

  /** Ends planning: from now on every read must be one the plan holds. */
  finishPlanning(): void {
    this.planning = false;
  }

  private get m(): AdjointAlgebra {
    return this.algebra!;
  }

  /** The forward value as the reverse sweep can read it where it is being built. */
  read(value: Value): Value {
    let read = this.reads.get(value);
    if (read === undefined) {
      if (!this.planning) throw new Error(`the reverse sweep reads value ${value.id}, which the recording plan lacks`);
      read = this.decide(value);
      this.reads.set(value, read);
    }
    return this.materialize(value, read);
  }

  /** The number of iterations a forward `while` loop ran, counted by the forward sweep. */
  iterationCount(loop: Op): Value {
    let iterations = this.iterationCounts.get(loop);
    if (iterations === undefined) {
      if (!this.planning) throw new Error("the reverse sweep reads an iteration count the recording plan lacks");
      const [, body] = loop.regions as [Region, Region];
      const current = this.values.value("number", reverseHints.iterations);
      const next = this.values.value("number", reverseHints.iterations);
      iterations = this.values.value("number", reverseHints.iterations);
      const zero = this.entry.constant(0);
      this.edits.push({ kind: "count-iterations", loop, zero, current, next, iterations });
      this.forward.regionOf.set(current, body);
      this.forward.regionOf.set(iterations, this.forward.opRegion.get(loop)!);
      this.forward.definition.set(iterations, loop);
      this.iterationCounts.set(loop, iterations);
    }
    return this.read(iterations);
  }

  private materialize(value: Value, read: Read): Value {
    const m = this.m;
    const definingOp = this.forward.definition.get(value);
    switch (read.how) {
      case "literal":
        return m.literal(attrsOf(definingOp!, "const"));
      case "negated literal":
        return m.num(-attrsOf(this.forward.definition.get(operandOf(definingOp!, 0))!, "const").value);
      case "at the top":
        return value;
      case "recomputed":
        return m.recompute(
          definingOp!.opcode,
          definingOp!.operands.map((v) => this.read(v)),
          value.type,
          definingOp!.attrs,
        );
      case "carried out of branches":
        return read.result;
      case "stack": {
        if (!this.placedPops.has(read.popped)) {
          this.placedPops.add(read.popped);
          const popRegion = this.sweep!.reversedRegion(read.popsIn)!;
          popRegion.ops.unshift({
            opcode: "stack.pop",
            operands: [read.stack],
            results: [read.popped],
            regions: [],
            attrs: {},
          });
        }
        return read.popped;
      }
      case "loop counter":
        return this.sweep!.reversedCounter(read.loop);
      case "replayed":
        return this.sweep!.replayedParam(read.loop, read.param);
      case "induction variable": {
        // init + (i - start) / step * increment, from the reversed loop's counter i
        const [start, step] = [operandOf(read.loop, 0), operandOf(read.loop, 2)].map((v) => this.read(v)) as [
          Value,
          Value,
        ];
        const done = m.apply("div", m.apply("sub", this.sweep!.reversedCounter(read.loop), start), step);
        return m.apply("add", this.read(read.init), m.apply("mul", done, this.read(read.increment)));
      }
    }
  }

  /** How the reverse sweep is to read `value`, decided where it first reads it. */
  private decide(value: Value): Read {
    const definingOp = this.forward.definition.get(value);
    if (definingOp?.opcode === "const") return { how: "literal" };
    // -2 in the source is a negation of a literal: a literal too, so that rules can fold it.
    const negated = definingOp?.opcode === "neg" ? this.forward.definition.get(operandOf(definingOp, 0)) : undefined;
    if (negated?.opcode === "const" && negated.attrs.definedAs === undefined) return { how: "negated literal" };
    if (this.isAtTop(value)) return { how: "at the top" };
    // Named values stay recorded: `Math.cos(z)` reads better than `Math.cos(x * x)`; elements of
    // arrays the function never writes into are read again wherever they are needed.
    // A cheap value whose operands would have to be stored is stored itself instead: one push
    // (a byte, for a branch's condition) rather than several.
    // An active read is the exception: its index is recorded anyway, for the adjoint it adds to.
    const operandsReadable =
      definingOp !== undefined &&
      (definingOp.operands.every((v) => this.readableWithoutStorage(v)) || this.isActiveRead(definingOp));
    if (definingOp && this.isRecomputable(value, definingOp) && operandsReadable) return { how: "recomputed" };
    return this.carryOut(value);
  }

  /** True for a value the top of the function sees (a parameter, a top-level value, a value
   * carried out to the top, or one computed among the entry ops). */
  private isAtTop(value: Value): boolean {
    const region = this.forward.regionOf.get(value);
    return region === undefined || region === this.forward.body;
  }

  /**
   * A value computed inside branches or loops: carried out of each enclosing `if` (outside
   * loops), pushed in the branch or loop iteration that computes it (inside loops), or, in a
   * counted loop, computed from the reversed counter.
   */
  private carryOut(value: Value): Read {
    let visible = value;
    for (;;) {
      const region = this.forward.regionOf.get(visible)!;
      const { op, region: outer } = this.forward.parent.get(region)!;
      if (loopParts(op)) return this.readFromLoop(visible, op, region);
      // Inside a loop, a branch stores its values itself (Tapenade's PUSH in the branch): the
      // iterations that do not take it store nothing, instead of a placeholder.
      if (this.sweep!.reversedRegion(region) && this.forward.enclosingLoops(region).length > 0)
        return this.onStack(visible, region, region);
      const result = this.values.value(visible.type, visible.name);
      const placeholders = op.regions.map((branch) => (branch === region ? visible : this.values.value(visible.type)));
      this.edits.push({ kind: "carry-out", op, from: region, value: visible, result, placeholders });
      this.forward.regionOf.set(result, outer);
      this.recorded.set(visible, result);
      visible = result;
      if (outer === this.forward.body) return { how: "carried out of branches", result };
    }
  }

  /** A value computed in each iteration of a loop (see `carryOut`). */
  private readFromLoop(value: Value, loop: Op, body: Region): Read {
    if (loop.opcode === "for" && value === body.params[0]) return { how: "loop counter", loop };
    if (this.isReplayable(value)) return { how: "replayed", loop, param: value };
    const induction = this.induction(value);
    if (induction) return { how: "induction variable", loop, ...induction };
    return this.onStack(value, body, loop);
  }

  /** The forward start and increment of an induction variable, for a forward value. */
  private induction(value: Value): { init: Value; increment: Value } | undefined {
    const region = this.forward.regionOf.get(value);
    const loop = region && this.forward.parent.get(region)?.op;
    const j = region?.params.indexOf(value) ?? -1;
    if (loop?.opcode !== "for" || j < 1) return undefined;
    const primalBody = at(this.forward.primalOp.get(loop)!.regions, 0, "region of 'for'");
    const param = at(primalBody.params, j, "value a 'for' loop carries");
    const induction = this.loops.inductions.get(param);
    return (
      induction && {
        init: this.forward.forward.get(induction.init)!,
        increment: this.forward.forward.get(induction.increment)!,
      }
    );
  }

  /** Pushes the value at the end of `pushRegion` (inside a loop); the region reversing `popsIn`
   * (a loop or a branch) pops it at its start. */
  private onStack(value: Value, pushRegion: Region, popsIn: Op | Region): Read {
    const element = value.type === "number" ? "number" : value.type;
    const stackSpec = {
      opcode: "stack.new" as const,
      results: [{ type: "stack" as const, name: reverseHints.stack(value.name, value.type) }],
      attrs: { element },
    };
    const outermost = this.forward.enclosingLoops(pushRegion).at(-1)!;
    // Arrays made in an iteration are kept by reference, in a growable stack.
    const capacity = value.type === "array" ? undefined : this.capacityBefore(outermost, pushRegion);
    const stack =
      capacity && this.forward.body.ops.includes(outermost)
        ? this.insertBefore(outermost, () => resultOf(this.builder!.op({ ...stackSpec, operands: [capacity] })))
        : resultOf(this.entry.op({ ...stackSpec, operands: capacity ? [capacity] : [] }));
    this.edits.push({ kind: "push", region: pushRegion, stack, value });
    const popped = this.values.value(value.type, value.name);
    this.recorded.set(value, popped);
    return { how: "stack", stack, popped, popsIn };
  }

  /**
   * How many values a stack pushed once per iteration of `body` holds in all, when that is known
   * before `outermost` (the outermost loop around it) starts: the product of the trip counts of
   * counted loops whose bounds are computed before it. Undefined otherwise (the stack grows).
   */
  private capacityBefore(outermost: Op, body: Region): Value | undefined {
    const loops = this.forward.enclosingLoops(body);
    // A loop nest inside a branch gets a capacity only from literals and parameters, computed
    // at the function's top (with the stack): a branch's values are not visible there.
    const top = this.topIndex(outermost);
    if (loops.some((loop) => loop.opcode !== "for")) return undefined;
    const known = (v: Value) =>
      this.forward.definition.get(v)?.opcode === "const" ||
      this.forward.params.some((p) => p.value === v) ||
      this.entryValues.has(v) ||
      (top >= 0 &&
        this.forward.regionOf.get(v) === this.forward.body &&
        this.topIndex(this.forward.definition.get(v)!) < top);
    if (!loops.every((loop) => loop.operands.slice(0, 3).every(known))) return undefined;
    // Loop nests with the same bounds share one computed capacity.
    const operandKey = (v: Value) => {
      const definition = this.forward.definition.get(v);
      return definition && isOp(definition, "const") ? `=${definition.attrs.value}` : `#${v.id}`;
    };
    const key = loops
      .map((loop) => `${loop.operands.slice(0, 3).map(operandKey).join(",")}${attrsOf(loop, "for").comparison}`)
      .join(";");
    // Loops are reversed last first: a capacity computed for a later loop is no use before it.
    const cached = this.capacities.get(key);
    if (cached && known(cached)) return cached;
    const product = () =>
      loops.map((loop) => this.tripCountOf(loop)).reduce((total, count) => this.m.apply("mul", total, count));
    const capacity = top >= 0 ? this.insertBefore(outermost, product) : this.atEntry(product);
    this.capacities.set(key, capacity);
    return capacity;
  }

  /** The number of iterations of a forward counted loop, built from its start and bound. */
  private tripCountOf(loop: Op): Value {
    const [start, bound] = loop.operands.map((v) => {
      const definition = this.forward.definition.get(v);
      return definition && isOp(definition, "const") ? this.m.literal(definition.attrs) : v;
    }) as [Value, Value];
    return tripCount(this.m, this.loops.counted.get(this.forward.primalOp.get(loop)!)!, start, bound);
  }

  /** The position among the top-level forward ops (an op placed before one comes just before
   * it), or -1 for an op not at the top. */
  private topIndex(op: Op): number {
    const anchor = this.insertedBefore.get(op);
    return anchor === undefined ? this.forward.body.ops.indexOf(op) : this.forward.body.ops.indexOf(anchor) - 0.5;
  }

  /** Builds ops with `build` among the entry ops, at the function's top. */
  private atEntry(build: () => Value): Value {
    const start = this.entry.region.ops.length;
    const result = this.builder!.inRegion(this.entry.region, build);
    for (const op of this.entry.region.ops.slice(start)) {
      op.results.forEach((r) => {
        this.forward.regionOf.set(r, this.forward.body);
        this.forward.definition.set(r, op);
        this.entryValues.add(r);
      });
    }
    return result;
  }

  /** Builds ops with `build`, to be placed in the forward sweep just before `anchor`. */
  private insertBefore<R>(anchor: Op, build: () => R): R {
    const scratch = emptyRegion();
    const result = this.builder!.inRegion(scratch, build);
    this.edits.push({ kind: "insert-before", anchor, ops: scratch.ops });
    for (const op of scratch.ops) {
      this.insertedBefore.set(op, anchor);
      op.results.forEach((r) => {
        this.forward.regionOf.set(r, this.forward.body);
        this.forward.definition.set(r, op);
      });
    }
    return result;
  }

  /** True for a value a loop carries, depending on no differentiated input, in a loop whose
   * reversed body runs in primal order: that loop carries it again. */
  private isReplayable(value: Value): boolean {
    const loop = this.passivelyCarrying(value);
    return loop !== undefined && this.inPrimalOrder.has(loop);
  }

  /**
   * True when the reverse sweep could have `value` without storage if `loop` (a primal loop)
   * ran in primal order: a value it carries without a derivative, or a cheap one computed from
   * such values and values readable anyway.
   */
  replayableIn(loop: Op, value: Value): boolean {
    if (this.passivelyCarrying(value) === loop) return true;
    const definingOp = this.forward.definition.get(value);
    return (
      definingOp !== undefined &&
      this.isRecomputable(value, definingOp) &&
      definingOp.operands.every((v) => this.readableWithoutStorage(v) || this.replayableIn(loop, v))
    );
  }

  /** The primal `for` loop carrying the forward value `value`, when it carries no derivative. */
  private passivelyCarrying(value: Value): Op | undefined {
    const region = this.forward.regionOf.get(value);
    const loop = region && this.forward.parent.get(region)?.op;
    const j = region?.params.indexOf(value) ?? -1;
    if (loop?.opcode !== "for" || j < 1) return undefined;
    const primalLoop = this.forward.primalOp.get(loop)!;
    const primalBody = at(primalLoop.regions, 0, "region of 'for'");
    return this.activity.isActive(at(primalBody.params, j, "value a 'for' loop carries")) ? undefined : primalLoop;
  }

  private isRecomputable(value: Value, definingOp: Op): boolean {
    if (!isCheapToRecompute(definingOp.opcode)) return false;
    const isRead = definingOp.opcode === "array.get" || definingOp.opcode === "array.row";
    if (isRead) return this.settledWhenRead(operandOf(definingOp, 0), definingOp);
    if (definingOp.opcode === "array.length") return !this.forward.growingArrays.has(operandOf(definingOp, 0));
    // In a loop, computing a cheap value again beats a push and a pop; elsewhere a named value
    // stays recorded, as `Math.cos(z)` reads better than `Math.cos(x * y)`.
    return value.name === undefined || this.forward.enclosingLoops(this.forward.regionOf.get(value)!).length > 0;
  }

  /**
   * True when the reverse sweep, reading the array where the forward op `read` did, finds the
   * same elements: the array is never written, or only by top-level ops before the one holding
   * `read` (nothing after it runs before the reverse sweep, which writes no primal array).
   */
  private settledWhenRead(array: Value, read: Op): boolean {
    const lastWrite = this.forward.lastWriteAt.get(array);
    if (lastWrite === undefined) return true;
    const position = this.forward.topPosition.get(this.forward.topLevelOpOf(read));
    return position !== undefined && this.forward.regionOf.get(array) === this.forward.body && lastWrite < position;
  }

  /** True for a forward array read whose result carries a derivative. */
  private isActiveRead(op: Op): boolean {
    return op.opcode === "array.get" && this.activity.isActive(resultOf(this.forward.primalOp.get(op)!));
  }

  /** True when the reverse sweep can have `value` without pushing anything on a stack. */
  private readableWithoutStorage(value: Value): boolean {
    const definingOp = this.forward.definition.get(value);
    if (
      definingOp?.opcode === "const" ||
      this.recorded.has(value) ||
      this.forward.regionOf.get(value) === this.forward.body
    )
      return true;
    const region = this.forward.regionOf.get(value)!;
    if (this.forward.parent.get(region)?.op.opcode === "for" && value === region.params[0]) return true;
    const induction = this.induction(value);
    if (induction) return this.readableWithoutStorage(induction.init);
    if (this.isReplayable(value)) return true;
    if (definingOp && this.isRecomputable(value, definingOp))
      return definingOp.operands.every((v) => this.readableWithoutStorage(v));
    return !this.forward.enclosingLoops(region).length;
  }
}

/**
 * The plan: the forward sweep as the recording found it, then each value the reverse sweep reads,
 * in the order it first reads them, with how it gets it.
 */
export function printRecordingPlan(forward: IRFunction, recording: Recording): string {
  const describe = (read: Read, name: (value: Value) => string): string => {
    switch (read.how) {
      case "carried out of branches":
        return `${read.how}, as ${name(read.result)}`;
      case "stack":
        return `pushed on ${name(read.stack)}, popped as ${name(read.popped)}`;
      case "induction variable":
        return `${read.how}: ${name(read.init)} + ${name(read.increment)} per iteration`;
      case "replayed":
        return "carried again by the reversed loop, run in primal order";
      default:
        return read.how;
    }
  };
  return printAnnotated(forward, {
    trailer: (name) => [
      "the reverse sweep reads:",
      ...[...recording.reads].map(([value, read]) => `  ${name(value).padEnd(16)} ${describe(read, name)}`),
    ],
  });
}
