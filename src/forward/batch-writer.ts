/**
 * Vector forward mode: the function computing the same values as its input IR and, next to each
 * value that carries them, k tangents at once (k = `directions`): the derivatives along k
 * directions of the seeded parameters, in one sweep of the primal.
 *
 * Layout: a number's tangents are a `Float64Array(k)`, its lanes; an array of n numbers has n * k,
 * element-major (lane d of element i at i * k + d), so that an array result's tangents are the
 * rows of its Jacobian times the k directions, in a `Float64Array` but for a plain array that
 * grows (a plain array, each new element's lanes appended); an array of rows has each row so;
 * an object has its fields' tangents.
 *
 * It is `TangentWriter` with the tangents of numbers held in lane buffers:
 * - each number that carries tangents has one buffer, allocated once at the function's entry: a
 *   value of a loop body is dead after its iteration unless the loop carries it, so one buffer
 *   per value per call suffices;
 * - a primitive's partial derivatives are computed once (they depend on primal values only),
 *   then one loop over the lanes writes the sum of partial times lane;
 * - the results of an `if` and the numbers a loop carries have buffers of their own, which the
 *   lanes of what the branches and the body yield are copied into (read first, then written:
 *   a body never overwrites a buffer it still reads);
 * - numbers with no tangent share one buffer of zeros, which is never written.
 * Tangents of arrays are passed through `if`s and loops as `TangentWriter` passes them.
 *
 * What it has no lane form for (cells, stacks, arrays of objects, a typed array or a parameter
 * that grows) is a `TangentError` at the op.
 */
import { at, operandOf, resultOf } from "../ir/access.js";
import { Builder, emptyRegion } from "../ir/builder.js";
import { type Carried, loopParts } from "../ir/loops.js";
import { isOp } from "../ir/attrs.js";
import type { ArrayKind, IRFunction, Op, Param, Region, Value } from "../ir/types.js";
import { forEachOp } from "../ir/walk.js";
import { primitive } from "../rules/primitives.js";
import { fuseLaneLoops } from "./lane-fusion.js";
import {
  TangentError,
  type TangentIR,
  type TangentSpec,
  TangentWriter,
  tangentName,
  wholeFunction,
} from "./tangent-writer.js";

/** The parameter holding the number of directions a vector forward-mode function takes. */
export const directionsParam = "directions";

/** The tangents of `fn` along `directions` directions at once, as `spec` asks. */
export function batchTangentFunction(fn: IRFunction, spec: TangentSpec): TangentIR {
  return new BatchTangentWriter(fn, spec).write();
}

export class BatchTangentWriter extends TangentWriter {
  private readonly entry = emptyRegion();
  private readonly entryBuilder = new Builder(this.values, this.entry);
  private readonly directions = this.values.value("number", this.lanesName());
  /** Input number -> the buffer holding its lanes. */
  private readonly buffers = new Map<Value, Value>();
  private zeros: Value | undefined;
  private readonly laneLoops = new Set<Op>();

  override write(): TangentIR {
    const ir = super.write();
    fuseLaneLoops(ir.fn.body, {
      loops: this.laneLoops,
      buffers: new Set(this.entry.ops.flatMap((op) => (op.opcode === "array.zeros" ? op.results : []))),
      primal: new Set(this.copies.values()),
      value: (type, name) => this.values.value(type, name),
    });
    return ir;
  }

  // ----- parameters and buffers -----

  protected override tangentParam(p: Param): Omit<Param, "differentiated"> {
    if (p.elementFields !== undefined)
      throw new TangentError(wholeFunction(this.fn), "vector forward mode takes no tangents of arrays of objects");
    const value = this.values.value("array", tangentName(p.value.name));
    if (p.rowKind !== undefined)
      return { value, typeText: "readonly Float64Array[]", rowKind: "Float64Array", arrayKind: p.arrayKind ?? "Array" };
    return { value, typeText: "Float64Array", arrayKind: "Float64Array" };
  }

  /** The name of the parameter giving the number of lanes. */
  protected lanesName(): string {
    return directionsParam;
  }

  protected override extraParams(): Param[] {
    return [{ value: this.directions, typeText: "number", differentiated: false, integer: true }];
  }

  protected override entryOps(): Op[] {
    return this.entry.ops;
  }

  /** A new buffer of k lanes, allocated at the function's entry. */
  private newBuffer(name: string | undefined): Value {
    return this.entryBuilder.emit("array.zeros", [this.directions], "array", { kind: "Float64Array" }, name);
  }

  /** The buffer of an input number's lanes. */
  private bufferOf(value: Value): Value {
    let buffer = this.buffers.get(value);
    if (buffer === undefined) {
      buffer = this.newBuffer(tangentName(value.name));
      this.buffers.set(value, buffer);
    }
    return buffer;
  }

  protected override zeroNumberTangent(): Value {
    this.zeros ??= this.newBuffer("zeroDot");
    return this.zeros;
  }

  protected override zeroTangent(value: Value): Value {
    if (value.type === "number") return this.zeroNumberTangent();
    if (value.type !== "array" || this.holdsRows(value))
      throw new TangentError(
        this.definitions.get(value) ?? wholeFunction(this.fn),
        `vector forward mode has no zero tangent for this ${value.type === "array" ? "array of rows" : value.type}`,
      );
    const tangents = this.zerosFor(this.emit("array.length", [this.copy(value)], "number"), "Float64Array");
    tangents.name = tangentName(value.name);
    return tangents;
  }

  /** True for an array of rows: a parameter declared so, or one an `if` or a loop passes on. */
  private holdsRows(array: Value): boolean {
    const param = this.params.get(array);
    if (param) return param.rowKind !== undefined;
    const op = this.definitions.get(array);
    if (op?.opcode === "if") return op.regions.some((r) => this.holdsRows(at(r.yields, op.results.indexOf(array))));
    return (
      this.carriedArrays()
        .get(array)
        ?.some((c) => this.holdsRows(c.init)) ?? false
    );
  }

  // ----- lanes -----

  /** A loop over the lanes, d from 0 to k, its body written by `body`; one that fusion may merge
   * with its neighbours unless `fusible` is false. */
  private forLanes(body: (d: Value) => void, fusible = true): void {
    const d = this.values.value("number", "d");
    const region = emptyRegion([d]);
    this.builder.inRegion(region, () => body(d));
    const loop = this.builder.op({
      opcode: "for",
      operands: this.laneBounds(),
      regions: [region],
      attrs: { comparison: "lt" },
    });
    if (fusible) this.laneLoops.add(loop);
  }

  private bounds: Value[] | undefined;

  /** A lane loop's start, bound and step, defined at the function's entry (fusion may move the
   * loop out of the region it was written in). */
  private laneBounds(): Value[] {
    this.bounds ??= [this.entryBuilder.constant(0), this.directions, this.entryBuilder.constant(1)];
    return this.bounds;
  }

  private lane(buffer: Value, index: Value): Value {
    return this.emit("array.get", [buffer, index], "number");
  }

  private setLane(buffer: Value, index: Value, lane: Value): void {
    this.sideEffect("array.set", [buffer, index, lane]);
  }

  /** The tangents of `value`, an input number, in its buffer: lane d is `lane(d)`. */
  private storeLanes(value: Value, lane: (d: Value) => Value): void {
    const buffer = this.bufferOf(value);
    this.forLanes((d) => this.setLane(buffer, d, lane(d)));
    this.tangents.set(value, buffer);
  }

  /** Copies the lanes of each source into its target in one loop, every lane read before any is
   * written (a target may be another pair's source). */
  private copyLanes(pairs: { source: Value; target: Value }[]): void {
    const copies = pairs.filter((p) => p.source !== p.target);
    if (copies.length === 0) return;
    this.forLanes((d) => {
      const lanes = copies.map((p) => (p.source === this.zeros ? this.algebra.num(0) : this.lane(p.source, d)));
      copies.forEach((p, i) => this.setLane(p.target, d, lanes[i]!));
    });
  }

  /** The lanes of `elements` elements, elements * k: where the lanes of element `elements` of an
   * array's tangents start, and the length of the tangents of so many (0 and k for the literals
   * 0 and 1). */
  private lanesOf(elements: Value | number): Value {
    if (elements === 0) return this.algebra.num(0);
    if (elements === 1) return this.directions;
    const count = typeof elements === "number" ? this.algebra.num(elements) : elements;
    return this.algebra.apply("mul", count, this.directions);
  }

  /** The index an op reads or writes at, its operand 1: the literal, or its copy. */
  private indexOf(op: Op, copied: Op): Value | number {
    const literal = this.definitions.get(operandOf(op, 1));
    return literal && isOp(literal, "const") ? literal.attrs.value : at(copied.operands, 1);
  }

  private unsupported(op: Op, what: string): never {
    throw new TangentError(op, `vector forward mode does not support ${what}`);
  }

  // ----- ops -----

  protected override tangentOf(op: Op, copied: Op): void {
    if (primitive(op.opcode)) return this.primitiveTangent(op, copied);
    const t = (v: Value) => this.tangentOrZero(v);
    const result = op.results[0];
    switch (op.opcode) {
      case "array.get": {
        if (op.attrs.field !== undefined) this.unsupported(op, "arrays of objects");
        const start = this.lanesOf(this.indexOf(op, copied));
        const tangents = t(operandOf(op, 0));
        return this.storeLanes(result!, (d) => this.lane(tangents, this.algebra.apply("add", start, d)));
      }
      case "field": {
        if (result!.type !== "number") return super.tangentOf(op, copied);
        const tangents = this.emit("field", [t(operandOf(op, 0))], "array", { ...op.attrs });
        return this.storeLanes(result!, (d) => this.lane(tangents, d));
      }
      case "array.copy": {
        const source = operandOf(op, 0);
        if (this.holdsRows(source)) this.unsupported(op, "copies of arrays of rows");
        const [kind, sourceKind] = [this.tangentKind(result!), this.tangentKind(source)];
        if (sourceKind === undefined) this.unsupported(op, "a copy of an array stored in different ways");
        if (kind === sourceKind)
          return this.setTangent(result!, this.emit("array.copy", [t(source)], "array", { kind }));
        // A plain array's copy may grow: its tangents are a plain array too (zeros plus the source's).
        const length = this.emit("array.length", [resultOf(copied)], "number");
        const tangents = this.zerosFor(length, "Array");
        this.sideEffect("array.addAll", [tangents, t(source)]);
        return this.setTangent(result!, tangents);
      }
      case "array.new":
        if (this.active(operandOf(op, 1))) this.unsupported(op, "arrays filled with a differentiated value");
        return this.setTangent(result!, this.zerosFor(at(copied.operands, 0), this.tangentKind(result!)!));
      case "array.zeros":
        return this.setTangent(result!, this.zerosFor(at(copied.operands, 0), this.tangentKind(result!)!));
      case "array.literal": {
        const tangents = this.zerosFor(op.operands.length, this.tangentKind(result!)!);
        op.operands.forEach((element, i) => {
          const elementTangents = this.tangents.get(element);
          if (elementTangents === undefined || !this.active(element)) return;
          const start = this.lanesOf(i);
          this.forLanes((d) =>
            this.setLane(tangents, this.algebra.apply("add", start, d), this.lane(elementTangents, d)),
          );
        });
        return this.setTangent(result!, tangents);
      }
      case "array.set": {
        // An array that grows has its lanes appended, lane 0 first: a plain array's tangents, in
        // a loop of its own (fused with another, it would interleave two elements' lanes).
        const grows = op.attrs.grows === true || op.attrs.push === true;
        if (grows && this.tangentKind(operandOf(op, 0)) !== "Array")
          this.unsupported(op, "a typed array or parameter that grows");
        const tangents = t(operandOf(op, 0));
        const element = this.tangents.get(operandOf(op, 2));
        const lane = (d: Value) => (element === undefined ? this.algebra.num(0) : this.lane(element, d));
        // (a push appends each lane at the tangents' own end, as TangentWriter does)
        const push = op.attrs.push === true;
        const start = push ? undefined : this.lanesOf(this.indexOf(op, copied));
        const index = (d: Value) =>
          start === undefined ? this.emit("array.length", [tangents], "number") : this.algebra.apply("add", start, d);
        return this.forLanes(
          (d) => this.sideEffect("array.set", [tangents, index(d), lane(d)], { ...op.attrs }),
          !grows,
        );
      }
      case "array.add": {
        if (op.attrs.field !== undefined) this.unsupported(op, "arrays of objects");
        const element = this.tangents.get(operandOf(op, 2));
        if (element === undefined || !this.active(operandOf(op, 2))) return;
        const [tangents, start] = [t(operandOf(op, 0)), this.lanesOf(this.indexOf(op, copied))];
        return this.forLanes((d) => {
          const index = this.algebra.apply("add", start, d);
          this.setLane(tangents, index, this.accumulate(this.lane(tangents, index), this.lane(element, d)));
        });
      }
      case "array.addAll": {
        // (element-major lanes line up: element j of both arrays has its lanes at j * k + d)
        const [target, source, scale] = op.operands as [Value, Value, Value | undefined];
        if (scale !== undefined && this.active(scale)) this.unsupported(op, "a differentiated scale of an array sum");
        if (!this.active(source)) return;
        const scaled = scale === undefined ? [] : [at(copied.operands, 2)];
        return this.addAllLanes(op, t(target), t(source), scaled);
      }
      case "array.zerosLike":
        return this.unsupported(op, "arrays of rows or objects made here");
      case "cell.new":
      case "cell.read":
      case "cell.set":
      case "cell.add":
        return this.unsupported(op, "cells (variables a closure or a callback writes)");
      case "stack.new":
      case "stack.push":
      case "stack.pop":
        return this.unsupported(op, "stacks");
      default:
        return super.tangentOf(op, copied);
    }
  }

  /** `target += scale * source` over the lanes of every element (`scaled` holds the scale, if
   * any, which carries no tangent). */
  protected addAllLanes(op: Op, target: Value, source: Value, scaled: Value[]): void {
    this.sideEffect("array.addAll", [target, source, ...scaled], { ...op.attrs });
  }

  /** The tangents of a new array of `length` numbers, stored as `kind`: zeros. */
  private zerosFor(length: Value | number, kind: ArrayKind): Value {
    return this.emit("array.zeros", [this.lanesOf(length)], "array", { kind });
  }

  /**
   * How the tangents of an array are stored: a Float64Array for a parameter's (the caller's) and
   * a row's; for an array made here, as it is stored, but a plain array that grows (appending
   * its lanes) only when it grows, else a Float64Array; a copy as its source's unless it grows.
   * Undefined for an array that may be any of arrays stored differently.
   */
  private tangentKind(array: Value): ArrayKind | undefined {
    const kinds = new Set(
      (this.allocations(array) ?? [undefined]).map((op): ArrayKind | undefined => {
        if (op === undefined) return "Float64Array";
        const grows = this.growing().has(op);
        if (isOp(op, "array.copy")) return grows ? "Array" : this.tangentKind(operandOf(op, 0));
        const kind = (isOp(op, "array.literal") ? (op.attrs.kind ?? "Array") : op.attrs.kind) as ArrayKind;
        return kind === "Array" && !grows ? "Float64Array" : kind;
      }),
    );
    return kinds.size === 1 ? [...kinds][0] : undefined;
  }

  /** The ops making the arrays `array` may be (through branches and loops), or undefined when
   * one may come from elsewhere (a parameter, a row, a field). */
  private allocations(array: Value, seen = new Set<Value>()): Op[] | undefined {
    if (seen.has(array)) return [];
    seen.add(array);
    const op = this.definitions.get(array);
    if (op && ["array.new", "array.zeros", "array.literal", "array.copy"].includes(op.opcode)) return [op];
    const sources =
      op?.opcode === "if"
        ? op.regions.map((r) => at(r.yields, op.results.indexOf(array)))
        : this.carriedArrays()
            .get(array)
            ?.flatMap((c) => [c.init, c.next]);
    if (sources === undefined) return undefined;
    const found = sources.map((source) => this.allocations(source, seen));
    return found.some((f) => f === undefined) ? undefined : (found.flat() as Op[]);
  }

  private carried: Map<Value, Carried[]> | undefined;

  /** Each array a loop carries (its parameter and its result) -> the carried values it is. */
  private carriedArrays(): Map<Value, Carried[]> {
    if (this.carried) return this.carried;
    const carried = new Map<Value, Carried[]>();
    forEachOp(this.fn.body.ops, (op) => {
      for (const c of loopParts(op)?.carried ?? [])
        for (const v of [c.param, c.result]) if (v.type === "array") carried.set(v, [...(carried.get(v) ?? []), c]);
    });
    this.carried = carried;
    return carried;
  }

  private grown: Set<Op> | undefined;

  /** The ops making arrays that grow. */
  private growing(): Set<Op> {
    if (this.grown) return this.grown;
    const grown = new Set<Op>();
    this.grown = grown;
    forEachOp(this.fn.body.ops, (op) => {
      if (isOp(op, "array.set") && (op.attrs.grows === true || op.attrs.push === true))
        for (const made of this.allocations(operandOf(op, 0)) ?? []) grown.add(made);
    });
    return grown;
  }

  /** Lane d of the result: Σ ∂y/∂x_i · lane d of x_i over the operands that carry tangents. */
  protected override primitiveTangent(op: Op, copied: Op): void {
    const p = primitive(op.opcode)!;
    const result = resultOf(op);
    if (p.derivative.kind !== "partials" || !this.active(result)) return;
    const tangentsOf = (operand: Value) => (this.active(operand) ? this.tangents.get(operand) : undefined);
    if (op.opcode === "select") {
      const condition = at(copied.operands, 0, "condition");
      const [a, b] = [tangentsOf(operandOf(op, 1)), tangentsOf(operandOf(op, 2))];
      if (a === undefined && b === undefined) return;
      const laneOr0 = (tangents: Value | undefined, d: Value) =>
        tangents === undefined ? this.algebra.num(0) : this.lane(tangents, d);
      return this.storeLanes(result, (d) => this.algebra.apply("select", condition, laneOr0(a, d), laneOr0(b, d)));
    }
    const partial = p.derivative.partial;
    const terms = op.operands.flatMap((operand, i) => {
      const tangents = tangentsOf(operand);
      return tangents === undefined
        ? []
        : [{ slope: partial(this.algebra, copied.operands, resultOf(copied), i), tangents }];
    });
    if (terms.length === 0) return;
    this.storeLanes(result, (d) => this.sum(terms.map((term) => this.term(term.slope, this.lane(term.tangents, d)))));
  }

  private sum(terms: Value[]): Value {
    const [first, ...rest] = terms;
    return rest.reduce((a, b) => this.accumulate(a, b), first ?? this.algebra.num(0));
  }

  /** A call with a derivative: lane d of its result is its gradient dotted with lane d of its
   * arguments' tangents. */
  protected override callTangent(op: Op, copied: Op): void {
    const slopes = this.callSlopes(op, copied);
    if (slopes === undefined) return;
    const terms = slopes.map(({ operand, slope }) => ({
      slope: slope(),
      tangents: this.tangentOrZero(operand),
      array: operand.type === "array",
    }));
    this.storeLanes(resultOf(op), (d) =>
      this.sum(
        terms.map(({ slope, tangents, array }) =>
          array ? this.laneDot(slope, tangents, d) : this.term(slope, this.lane(tangents, d)),
        ),
      ),
    );
  }

  /** Σ_j slope[j] · lane d of element j of `tangents`, as a loop (its terms and their sum as
   * `term` and `accumulate` make them). */
  private laneDot(slope: Value, tangents: Value, d: Value): Value {
    return this.sumOver(
      slope,
      "j",
      (j) => this.term(this.lane(slope, j), this.lane(tangents, this.algebra.apply("add", this.lanesOf(j), d))),
      (a, b) => this.accumulate(a, b),
    );
  }

  /** `f(a, n - 1)` in `f` itself: `fJvpBatch(a, n - 1, { a: ȧ }, k)`, its lanes copied into the
   * result's buffer (the callee's buffer may be one of the arguments'). */
  protected override recursiveCall(op: Op): void {
    const saved = this.builder.loc;
    if (op.loc) this.builder.loc = op.loc;
    const tangents = this.recursiveCallTangent(op, [this.directions], "array");
    this.storeLanes(resultOf(op), (d) => this.lane(tangents, d));
    this.builder.loc = saved;
  }

  // ----- control flow -----

  protected override passesTangent(value: Value): boolean {
    return value.type !== "number";
  }

  /** The lanes a branch or a loop passes on for `value`, or undefined where it is unset. */
  private passedLanes(value: Value): Value | undefined {
    if (this.definitions.get(value)?.opcode === "undef" && !this.tangents.has(value)) return undefined;
    return this.tangentOrZero(value);
  }

  /** Each number result of the `if` has a buffer the branch copies its yield's lanes into. */
  protected override branchEnd(op: Op, branch: Region): void {
    const pairs = op.results.flatMap((r, i) => {
      if (r.type !== "number" || !this.active(r)) return [];
      const target = this.bufferOf(r);
      this.tangents.set(r, target);
      const source = this.passedLanes(at(branch.yields, i, "yield"));
      return source === undefined ? [] : [{ source, target }];
    });
    this.copyLanes(pairs);
  }

  /** Each number the loop carries has a buffer, which starts with the lanes of its initial value. */
  protected override loopStart(carried: readonly Carried[]): void {
    const pairs = this.carriedNumbers(carried).flatMap((c) => {
      const target = this.bufferOf(c.param);
      this.tangents.set(c.param, target);
      this.tangents.set(c.result, target);
      const source = this.passedLanes(c.init);
      return source === undefined ? [] : [{ source, target }];
    });
    this.copyLanes(pairs);
  }

  /** The body's end copies the lanes of each next value into its carried number's buffer. */
  protected override bodyEnd(carried: readonly Carried[]): void {
    const pairs = this.carriedNumbers(carried).flatMap((c) => {
      const source = this.passedLanes(c.next);
      return source === undefined ? [] : [{ source, target: this.bufferOf(c.param) }];
    });
    this.copyLanes(pairs);
  }

  private carriedNumbers(carried: readonly Carried[]): readonly Carried[] {
    return carried.filter((c) => c.param.type === "number");
  }
}
