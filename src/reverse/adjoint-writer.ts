/**
 * The adjoint writer: the reverse sweep of a primal function, statement by statement in reverse.
 *
 * For each active op, last to first, its adjoint statements; for an `if`, an `if` on the same
 * condition whose branches hold the reversed branches; for a loop, a counted loop running the
 * reversed body once per forward iteration, last first. The writer knows no math: a primitive's
 * partial derivatives come from the rule table, and the writer multiplies each by the result's
 * adjoint and adds it to the operand's adjoint.
 *
 * Adjoints: a value with one contribution, made in its own region, gets an SSA value
 * (`const da = ...`). Any other value gets a cell, declared where its first contribution is
 * made, or before the reversed `if` or loop holding it when that comes first. A loop-carried
 * value has one cell carrying its adjoint from each reversed iteration to the one before. An
 * array's adjoint is an array of the same shape.
 *
 * Every primal value it needs, it reads through the recording (src/reverse/recording.ts); it
 * never changes the forward sweep. It runs twice (see reverse.ts): once while the recording
 * plans, and once to write the reverse sweep the gradient keeps.
 */
import type { Activity } from "../analysis/activity.js";
import { reverseHints } from "../backend/naming.js";
import { lastCounterValue, type LoopAnalysis } from "../analysis/counted-loops.js";
import { at, operandOf, resultOf } from "../ir/access.js";
import { Builder, emptyRegion, type ValueFactory } from "../ir/builder.js";
import type { ArrayKind, IRFunction, Op, Param, Region, Value } from "../ir/types.js";
import { type Carried, loopParts } from "../ir/loops.js";
import { primitive } from "../rules/primitives.js";
import { AdjointAlgebra } from "./adjoint-algebra.js";
import { type Contributions, differentiableOp } from "./contributions.js";
import type { ForwardSweep } from "./forward-sweep.js";
import { accumulatesInPlace, updatesInPlace } from "./in-place.js";
import type { Recording, ReverseSweepState } from "./recording.js";
import type { ReverseModeState } from "./reverse.js";
import { attrsOf, isOp } from "../ir/attrs.js";

/** How an array the function creates is stored, as the op creating it says. */
function createdKind(op: Op | undefined): ArrayKind | undefined {
  if (!op) return undefined;
  const creates =
    isOp(op, "array.new") || isOp(op, "array.copy") || isOp(op, "array.zeros") || isOp(op, "array.literal");
  return creates ? op.attrs.kind : undefined;
}

type Adjoint = { kind: "value"; value: Value } | { kind: "cell"; cell: Value } | { kind: "array"; array: Value };

function adjointName(value: Value): string | undefined {
  return value.name === undefined ? undefined : reverseHints.adjoint(value.name);
}

/** What one run of the adjoint writer produces: the gradient's parameters (the primal's, then
 * a VJP's cotangent), the adjoint of each differentiated parameter, and the reverse sweep. */
export interface WrittenAdjoints {
  params: Param[];
  grads: Value[];
  /** The gradient arrays' allocations, then the reverse sweep. */
  ops: Op[];
}

export class AdjointWriter implements ReverseSweepState {
  private readonly body = emptyRegion();
  private readonly builder: Builder;
  private readonly algebra: AdjointAlgebra;

  /** Primal value -> its copy in the forward sweep. */
  private readonly forward: ReadonlyMap<Value, Value>;
  private readonly forwardValues: ReadonlySet<Value>;
  private readonly primalRegionOf: ReadonlyMap<Value, Region>;
  private readonly primalDefinition: ReadonlyMap<Value, Op>;
  private readonly forwardOf: ReadonlyMap<Op, Op>;
  private readonly growingArrays: ReadonlySet<Value>;
  private readonly adjoints = new Map<Value, Adjoint>();
  /** Reads of cells (accumulators), which keep printing as the cell. */
  private readonly cellReads = new Set<Value>();
  /** The gradient arrays, allocated before the reverse sweep. */
  private readonly adjointAllocations: Builder;
  /** A forward loop -> the reversed loop's counter, and its reversed body. */
  private readonly reverseCounter = new Map<Op, Value>();
  private readonly reversedBody = new Map<Op, Region>();
  /** A forward loop reversed in primal order -> its carried values the reversed loop carries
   * again, each with the reversed body's parameter for it. */
  private readonly replayed = new Map<Op, Map<Value, Value>>();
  /** The reversed region of each forward branch, while and after it is built. */
  private readonly reversedBranch = new Map<Region, Region>();
  /** Each primal branch or loop body -> the region holding its reversal. */
  private readonly reversedRegions = new Map<Region, Region>();
  /** Ops whose contribution to an operand the reversed loop makes by leaving a cell as it is
   * (see `accumulatesInPlace`). */
  private readonly implicitContributions = new Map<Op, Set<Value>>();
  /** Placeholders handed to rules for primal values, resolved only if a rule uses them. */
  private readonly placeholders = new Map<Value, Value>();
  private currentPrimalRegion: Region;

  private readonly primal: IRFunction;
  private readonly activity: Activity;
  private readonly forwardSweep: ForwardSweep;
  private readonly recording: Recording;
  private readonly loops: LoopAnalysis;
  private readonly values: ValueFactory;
  private readonly contributions: Contributions;

  constructor({ primal, activity, forward: forwardSweep, recording, loops, values, contributions }: ReverseModeState) {
    this.contributions = contributions;
    this.primal = primal;
    this.activity = activity;
    this.forwardSweep = forwardSweep;
    this.recording = recording;
    this.loops = loops;
    this.values = values;
    this.currentPrimalRegion = primal.body;
    this.builder = new Builder(values, this.body);
    this.adjointAllocations = new Builder(values, emptyRegion());
    this.algebra = new AdjointAlgebra(this.builder, (v) => this.resolve(v));
    this.forward = forwardSweep.forward;
    this.forwardValues = forwardSweep.forwardValues;
    this.primalRegionOf = forwardSweep.primalRegionOf;
    this.primalDefinition = forwardSweep.primalDefinition;
    this.forwardOf = forwardSweep.forwardOf;
    this.growingArrays = forwardSweep.growingArrays;
    recording.startRun(this, this.algebra, this.builder);
  }

  reversedRegion(of: Op | Region): Region | undefined {
    return "opcode" in of ? this.reversedBody.get(of) : this.reversedBranch.get(of);
  }

  reversedCounter(loop: Op): Value {
    return this.reverseCounter.get(loop)!;
  }

  replayedParam(loop: Op, param: Value): Value {
    const params = this.replayed.get(loop)!;
    let replayed = params.get(param);
    if (replayed === undefined) {
      replayed = this.values.value(param.type, param.name);
      params.set(param, replayed);
      this.reversedBody.get(loop)!.params.push(replayed);
    }
    return replayed;
  }

  /** The reversed bodies of the loops, by forward loop. */
  get reversedLoopBodies(): ReadonlyMap<Op, Region> {
    return this.reversedBody;
  }

  write(): WrittenAdjoints {
    const primal = this.primal;
    const params = [...this.forwardSweep.params];
    const returned = at(primal.body.yields, 0, "returned value");
    if (primal.returnsArray) {
      // A VJP: the result's adjoint starts as the cotangent the caller passes.
      const cotangent = this.values.value("array", reverseHints.cotangent);
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
    return { params, grads, ops: [...this.adjointAllocations.region.ops, ...this.body.ops] };
  }

  /**
   * A VJP of a function returning an object: the cotangent is an object with the result's number
   * and array fields (one parameter per leaf, as for object parameters), and each leaf's adjoint
   * starts as the cotangent's field.
   */
  private seedObjectCotangent(returned: Value): Param[] {
    const object = this.primalDefinition.get(returned)!;
    const paths = attrsOf(object, "object").fields;
    return object.operands.flatMap((leaf, i): Param[] => {
      if (leaf.type !== "number" && leaf.type !== "array") return [];
      const path = at(paths, i, "field path");
      const cotangent = this.values.value(leaf.type, reverseHints.cotangentField(path));
      const kind = leaf.type === "array" ? this.arrayKindOf(leaf) : undefined;
      const typeText = kind === undefined ? "number" : kind === "Array" ? "readonly number[]" : kind;
      if (this.activity.isActive(leaf)) {
        if (leaf.type === "array")
          this.builder.op({ opcode: "array.addAll", operands: [this.arrayAdjoint(leaf), cotangent] });
        else this.contribute(leaf, cotangent);
      }
      return [
        {
          value: cotangent,
          typeText,
          differentiated: false,
          cotangent: true,
          field: { param: reverseHints.cotangent, path },
        },
      ];
    });
  }

  /** How an array is stored: as the parameter it is, or as the op that created it says. */
  private arrayKindOf(array: Value): string {
    const param = this.primal.params.find((p) => p.value === array);
    return param?.arrayKind ?? createdKind(this.primalDefinition.get(array)) ?? "Array";
  }

  private placeholder(primalValue: Value): Value {
    const placeholder = this.values.value(primalValue.type);
    this.placeholders.set(placeholder, primalValue);
    return placeholder;
  }

  private resolve(value: Value): Value {
    const primalValue = this.placeholders.get(value);
    return primalValue ? this.recording.read(this.forward.get(primalValue)!) : value;
  }

  // ----- adjoints -----

  private contribute(value: Value, contribution: Value): void {
    const existing = this.adjoints.get(value);
    if (existing?.kind === "cell") {
      this.builder.op({ opcode: "cell.add", operands: [existing.cell, contribution] });
      return;
    }
    if (this.contributions.hasSingleContribution(value)) {
      // A read of an accumulator keeps printing as the accumulator; other new values are named.
      if (
        contribution.name === undefined &&
        !this.forwardValues.has(contribution) &&
        !this.cellReads.has(contribution)
      ) {
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
    const cell = resultOf(
      this.builder.op({
        opcode: "cell.new",
        operands: [initial],
        results: [name === undefined ? { type: "cell" } : { type: "cell", name }],
      }),
    );
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
        adjointName(array),
      );
      adjoint.adjointOf = this.forward.get(array)!;
      this.adjoints.set(array, { kind: "array", array: adjoint });
      return adjoint;
    }
    const kind = param?.arrayKind ?? createdKind(this.primalDefinition.get(array));
    if (kind === undefined) throw new Error("the gradient of an array that is neither a parameter nor created");
    const forwardArray = this.forward.get(array)!;
    if (!param && this.primalRegionOf.get(array) !== this.primal.body) return this.iterationArrayAdjoint(array, kind);
    const length = this.adjointAllocations.emit("array.length", [forwardArray], "number");
    // A parameter's gradient may be written into an array the caller provides (see the backend).
    const attrs: Op["attrs"] = param?.differentiated ? { kind, output: param.value.name! } : { kind };
    const adjoint = this.adjointAllocations.emit("array.zeros", [length], "array", attrs, adjointName(array));
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
          ? this.resolve(this.placeholder(operandOf(creation, 0)))
          : creation.opcode === "array.literal"
            ? this.algebra.num(creation.operands.length)
            : this.builder.emit("array.length", [this.resolve(this.placeholder(operandOf(creation, 0)))], "number");
      return this.builder.emit("array.zeros", [length], "array", { kind }, adjointName(array));
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
    this.cellReads.add(read);
    return read;
  }

  // ----- reverse sweep -----

  private reverseRegion(region: Region): void {
    const saved = this.currentPrimalRegion;
    this.currentPrimalRegion = region;
    for (const op of region.ops.slice().reverse()) {
      if (op.loc) this.builder.loc = op.loc;
      if (op.opcode === "if") this.reverseIf(op);
      else if (loopParts(op)) this.reverseLoop(op);
      else if (op.opcode === "array.get" && this.activity.isActive(resultOf(op))) this.reverseArrayGet(op);
      else if (op.opcode === "array.set" && this.activity.isActive(operandOf(op, 0))) this.reverseArraySet(op);
      else if (op.opcode === "array.literal" && this.activity.isActive(resultOf(op))) this.reverseArrayLiteral(op);
      else if (op.opcode === "array.copy" && this.activity.isActive(resultOf(op))) this.reverseArrayCopy(op);
      // (the frontend fills new arrays with literals only: a differentiated fill has no adjoint here)
      else if (op.opcode === "array.new" && this.activity.isActive(operandOf(op, 1)))
        throw new Error("an array filled with a differentiated value has no adjoint");
      else if (op.opcode === "call" && op.attrs.derivative !== undefined && this.activity.isActive(resultOf(op)))
        this.reverseCallWithDerivative(op);
      else if (differentiableOp(op) && this.activity.isActive(resultOf(op))) this.reversePrimitive(op);
    }
    this.currentPrimalRegion = saved;
  }

  private reversePrimitive(op: Op): void {
    const result = resultOf(op);
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

  private declareTargets(op: Op): void {
    for (const target of this.contributions.targetsInside(op)) {
      if (!this.adjoints.has(target)) this.declareCell(target, this.algebra.num(0));
    }
  }

  /**
   * The cell that carries the adjoint of a carried value backwards through the loop, starting
   * from the adjoint of the loop's result: the result's own cell when it has one (nothing adds
   * to it after this point), a new one otherwise.
   */
  private carriedCell({ param, result }: Carried): Value {
    const resultAdjoint = this.adjoints.get(result);
    if (resultAdjoint?.kind === "cell") {
      this.adjoints.set(param, resultAdjoint);
      return resultAdjoint.cell;
    }
    return this.declareCell(param, this.adjointValue(result) ?? this.algebra.num(0));
  }

  /** `y = a[i]` reversed: `da[i] += dy`. */
  private reverseArrayGet(op: Op): void {
    const adjoint = this.adjointValue(resultOf(op));
    if (!adjoint || !this.activity.isActive(operandOf(op, 0))) return;
    const index = this.resolve(this.placeholder(operandOf(op, 1)));
    const field: Op["attrs"] = op.attrs.field === undefined ? {} : { field: op.attrs.field };
    this.builder.op({
      opcode: "array.add",
      operands: [this.arrayAdjoint(operandOf(op, 0)), index, adjoint],
      attrs: field,
    });
  }

  /** `a[i] = v` reversed: `dv += da[i]; da[i] = 0` (the element's old value did not reach the result). */
  private reverseArraySet(op: Op): void {
    const [array, index, value] = op.operands as [Value, Value, Value];
    const adjointArray = this.arrayAdjoint(array);
    const at = this.resolve(this.placeholder(index));
    const elementAdjoint = this.builder.emit("array.get", [adjointArray, at], "number");
    const update = updatesInPlace(op, this.primalDefinition, this.primalRegionOf);
    if (update) this.implicitContribution(update.op, update.old);
    else this.builder.op({ opcode: "array.set", operands: [adjointArray, at, this.algebra.num(0)] });
    if (this.activity.isActive(value)) this.contribute(value, elementAdjoint);
  }

  /** `b = [u, v]` reversed: `du += db[0]; dv += db[1]`. */
  private reverseArrayLiteral(op: Op): void {
    const adjointArray = this.arrayAdjoint(resultOf(op));
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
    const adjoint = this.adjointValue(resultOf(op));
    if (!adjoint) return;
    const { derivative, derivativeKind, partials = [] } = attrsOf(op, "call");
    if (derivative === undefined) throw new Error("a call reversed with its derivative names one");
    const vjp = derivativeKind === "vjp";
    const args = op.operands.map((v) => this.resolve(this.placeholder(v)));
    const result = this.builder.emit("call", vjp ? [...args, adjoint] : args, "object", { callee: derivative });
    op.operands.forEach((operand, i) => {
      if (at(partials, i, "partial") === "" || !this.activity.isActive(operand)) return;
      const partial = at(partials, i, "partial");
      const path = vjp ? partial : `grad.${partial}`;
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
    // A copy that grows afterwards (`ys.push(k)`) has more elements than its source had: only
    // the source's own elements flow back, so its gradient keeps the source's length.
    const copyGrows = this.growingArrays.has(this.forward.get(resultOf(op))!);
    this.builder.op({
      opcode: "array.addAll",
      operands: [this.arrayAdjoint(source), this.arrayAdjoint(resultOf(op))],
      ...(copyGrows ? { attrs: { upToShorter: true } } : {}),
    });
  }

  /**
   * A loop reversed: a counted loop runs its counter backwards, a `while` loop runs as many
   * times as the forward loop did (counted there). Each carried value has a cell holding the
   * adjoint that flows backwards from one iteration to the one before.
   */
  private reverseLoop(op: Op): void {
    const body = loopParts(op)?.body;
    if (!body) throw new Error(`'${op.opcode}' is a loop`);
    // Each carried value that carries a derivative, with the cell carrying its adjoint.
    const lanes = this.contributions.activeCarried(op).map((carried) => ({ carried, cell: this.carriedCell(carried) }));
    if (lanes.length === 0 && !this.contributions.hasActiveArrayEffects(body)) return;
    this.declareTargets(op);
    const forwardLoop = this.forwardOf.get(op)!;
    const inPrimalOrder = this.recording.inPrimalOrder.has(op);
    const header = inPrimalOrder
      ? this.primalOrderHeader(op, forwardLoop)
      : op.opcode === "for"
        ? this.countedHeader(op, forwardLoop)
        : this.whileHeader(forwardLoop);
    const reversed = emptyRegion([header.counter]);
    this.reversedBody.set(forwardLoop, reversed);
    if (inPrimalOrder) this.replayed.set(forwardLoop, new Map());
    this.reversedRegions.set(body, reversed);
    this.builder.inRegion(reversed, () => {
      const saved = this.currentPrimalRegion;
      this.currentPrimalRegion = body;
      if (op.loc) this.builder.loc = op.loc;
      const incoming = lanes.map(({ cell }) => {
        const read = this.builder.emit("cell.read", [cell], "number");
        this.cellReads.add(read);
        return read;
      });
      const inPlace = lanes.map(({ carried }) => accumulatesInPlace(body, carried.param, carried.next));
      lanes.forEach(({ cell }, k) => {
        const accumulation = inPlace[k];
        if (accumulation) accumulation.marks.forEach(([op, operand]) => this.implicitContribution(op, operand));
        else this.builder.op({ opcode: "cell.set", operands: [cell, this.algebra.num(0)] });
      });
      lanes.forEach(({ carried: { next }, cell }, k) => {
        // Through an inner loop, the inner loop itself carries the adjoint in this very cell.
        if (inPlace[k]?.throughLoop) this.adjoints.set(next, { kind: "cell", cell });
        else if (this.activity.isActive(next)) this.contribute(next, at(incoming, k, "adjoint read"));
      });
      this.reverseRegion(body);
      if (inPrimalOrder) reversed.yields = this.replayedNexts(forwardLoop);
      this.currentPrimalRegion = saved;
    });
    const replayed = [...(this.replayed.get(forwardLoop)?.keys() ?? [])];
    const carried = loopParts(forwardLoop)!.carried;
    const inits = replayed.map((param) => this.recording.read(carried.find((c) => c.param === param)!.init));
    this.builder.op({
      opcode: "for",
      operands: [...header.operands, ...inits],
      results: replayed.map((param) => ({
        type: param.type,
        ...(param.name === undefined ? {} : { name: param.name }),
      })),
      regions: [reversed],
      attrs: { comparison: header.comparison },
      ...(op.loc ? { loc: op.loc } : {}),
    });
    lanes.forEach(({ carried: { init }, cell }) => {
      if (this.activity.isActive(init) && !this.implicitContributions.get(op)?.has(init)) {
        const read = this.builder.emit("cell.read", [cell], "number");
        this.cellReads.add(read);
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
  private countedHeader(op: Op, forwardLoop: Op) {
    const [start, bound, step] = [0, 1, 2].map((i) => this.resolve(this.placeholder(operandOf(op, i))));
    if (!start || !bound || !step) throw new Error("a 'for' op has a start, a bound and a step");
    const loop = this.loops.counted.get(op)!;
    const forwardCounter = at(at(op.regions, 0, "region of 'for'").params, 0, "counter of 'for'");
    const counter = this.values.value("number", forwardCounter.name);
    this.reverseCounter.set(forwardLoop, counter);
    const last = lastCounterValue(this.algebra, loop, start, bound, step);
    return { counter, operands: [last, start, this.algebra.num(-loop.step)], comparison: loop.step > 0 ? "ge" : "le" };
  }

  /** The forward loop's own header, for a loop whose reversed body runs in primal order. */
  private primalOrderHeader(op: Op, forwardLoop: Op) {
    const [start, bound, step] = [0, 1, 2].map((i) => this.resolve(this.placeholder(operandOf(op, i)))) as [
      Value,
      Value,
      Value,
    ];
    const forwardCounter = at(at(op.regions, 0, "region of 'for'").params, 0, "counter of 'for'");
    const counter = this.values.value("number", forwardCounter.name);
    this.reverseCounter.set(forwardLoop, counter);
    return { counter, operands: [start, bound, step], comparison: attrsOf(op, "for").comparison };
  }

  /**
   * The next value of each carried value a loop run in primal order replays, read at the end of
   * its reversed body; reading one may replay another, whose next value is read in turn.
   */
  private replayedNexts(forwardLoop: Op): Value[] {
    const params = this.replayed.get(forwardLoop)!;
    const carried = loopParts(forwardLoop)!.carried;
    const nexts: Value[] = [];
    for (let k = 0; k < params.size; k++) {
      const param = [...params.keys()][k]!;
      nexts.push(this.recording.read(carried.find((c) => c.param === param)!.next));
    }
    return nexts;
  }

  /**
   * `for (k = iterations - 1; k >= 0; k--)` for a `while` loop, whose forward loop counts its
   * iterations (see `Recording.iterationCount`).
   */
  private whileHeader(forwardLoop: Op) {
    const count = this.recording.iterationCount(forwardLoop);
    const counter = this.values.value("number", reverseHints.iteration);
    return {
      counter,
      operands: [this.algebra.apply("sub", count, this.algebra.num(1)), this.algebra.num(0), this.algebra.num(-1)],
      comparison: "ge",
    };
  }

  private reverseIf(op: Op): void {
    const activeResults = op.results.flatMap((r, j) => (this.activity.isActive(r) ? [j] : []));
    if (
      this.contributions.targetsInside(op).length === 0 &&
      activeResults.length === 0 &&
      !op.regions.some((r) => this.contributions.hasActiveArrayEffects(r))
    )
      return;
    const resultAdjoints = activeResults.map((j) => this.adjointValue(at(op.results, j, "result of 'if'")));
    this.declareTargets(op);
    const condition = this.resolve(this.placeholder(operandOf(op, 0)));
    const forwardIf = this.forwardOf.get(op)!;
    const regions = op.regions.map((branch, k) => {
      const reversed = emptyRegion();
      this.reversedRegions.set(branch, reversed);
      this.reversedBranch.set(at(forwardIf.regions, k, "region of 'if'"), reversed);
      this.builder.inRegion(reversed, () => {
        const saved = this.currentPrimalRegion;
        this.currentPrimalRegion = branch;
        // What a branch yields is adjoint code of the `if` itself, not of the other branch's last line.
        if (op.loc) this.builder.loc = op.loc;
        activeResults.forEach((j, k) => {
          const yielded = at(branch.yields, j, "yield of a branch");
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
