/**
 * Forward mode: the function computing the same values as its input IR and, next to each value
 * that carries one, its tangent (the directional derivative along the tangents of the seeded
 * parameters). One sweep, in program order: no storage, no reverse sweep.
 *
 * The input is any verified IR function, a primal or a gradient (so the tangent of a gradient is
 * a Hessian-vector product): each op is copied as it is, then followed by the ops of its tangent.
 * - A primitive's tangent is the sum, over its operands that carry one, of the rule table's
 *   partial derivative times the operand's tangent (the same rules reverse mode reads).
 * - An array that carries tangents has a tangent array of the same shape, and every op reading
 *   or writing the array does the same to it; likewise a cell has a tangent cell and a stack a
 *   tangent stack, pushed and popped with it.
 * - An `if` yields the tangents of its results too, and a loop carries the tangents of its
 *   carried values.
 * - A call with a derivative of its own (a user rule, a recursive function's gradient) gets its
 *   tangent from it: the gradient of a number-valued function dotted with the arguments' tangents.
 *
 * A value whose tangent is needed but cannot be computed is an error at its op (`TangentError`),
 * never a missing term.
 *
 * Vector forward mode (`batch-writer.ts`) extends this writer: its protected methods are where a
 * tangent is made (parameters, zeros, primitives, calls, the ops reading and writing arrays) and
 * where an `if` or a loop passes tangents on.
 */
import { at, operandOf, resultOf } from "../ir/access.js";
import { attrsOf, isOp } from "../ir/attrs.js";
import { Builder, emptyRegion, ValueFactory } from "../ir/builder.js";
import { type Carried, loopParts } from "../ir/loops.js";
import type { ArrayKind, IRFunction, Op, Param, Region, Value } from "../ir/types.js";
import { definingOps } from "../ir/walk.js";
import { AdjointAlgebra } from "../reverse/adjoint-algebra.js";
import { primitive } from "../rules/primitives.js";
import { analyzeTangentActivity, type TangentActivity } from "./tangent-activity.js";

/** What forward mode is asked for. */
export interface TangentSpec {
  /** The name of the function made. */
  name: string;
  /** The parameters whose tangents the caller passes (in `tangents`). */
  seeds: readonly Param[];
  /** The yields of the input whose tangents the function returns, after all its yields. */
  outputs: readonly number[];
  /** For a gradient: the number of the body's first ops that are its forward sweep. */
  forwardOpCount?: number;
  /** For a primal: the gradient a recursive call of the function itself names as its
   * derivative; such a call becomes a call of the function made here. */
  recursiveGradient?: string;
}

export interface TangentIR {
  fn: IRFunction;
  /** The body's first ops that come from the input's forward sweep (all of them for a primal). */
  forwardOpCount: number;
}

/** A tangent that cannot be computed: the op, and why. */
export class TangentError extends Error {
  constructor(
    readonly op: Op,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** An op standing for the function `fn` as a whole, located at it: where an error of no single
 * op (a parameter, the function's shape) is reported. */
export function wholeFunction(fn: Pick<IRFunction, "loc">): Op {
  return { opcode: "const", operands: [], results: [], regions: [], attrs: {}, loc: fn.loc };
}

/** The name a tangent is printed after: `xDot` for `x`. */
export function tangentName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : `${name}Dot`;
}

/** The parameter holding the tangents a forward-mode function takes. */
export const tangentsParam = "tangents";

/** How the tangent of an array parameter is stored: as the parameter itself. */
function tangentTypeText(param: Param): string {
  const arrayType = (kind: ArrayKind) => (kind === "Array" ? "readonly number[]" : kind);
  if (param.rowKind !== undefined) return `readonly ${param.rowKind === "Array" ? "number[]" : param.rowKind}[]`;
  if (param.elementFields !== undefined)
    return `readonly { ${param.elementFields.map((f) => `${f}: number`).join("; ")} }[]`;
  return param.arrayKind === undefined ? "number" : arrayType(param.arrayKind);
}

/** The tangent of `fn` as `spec` asks. */
export function tangentFunction(fn: IRFunction, spec: TangentSpec): TangentIR {
  return new TangentWriter(fn, spec).write();
}

export class TangentWriter {
  protected readonly values = new ValueFactory();
  private readonly body = emptyRegion();
  protected readonly builder = new Builder(this.values, this.body);
  protected readonly algebra = new AdjointAlgebra(this.builder, (v) => v);
  private readonly activity: TangentActivity;
  protected readonly definitions: ReadonlyMap<Value, Op>;
  /** Input value -> its copy. */
  protected readonly copies = new Map<Value, Value>();
  /** Input value -> its tangent (absent: zero). */
  protected readonly tangents = new Map<Value, Value>();
  protected readonly params = new Map<Value, Param>();

  constructor(
    protected readonly fn: IRFunction,
    private readonly spec: TangentSpec,
  ) {
    const outputs = spec.outputs.map((i) => at(fn.body.yields, i, "output"));
    this.activity = analyzeTangentActivity(
      fn,
      spec.seeds.map((p) => p.value),
      outputs,
    );
    this.definitions = definingOps(fn.body);
    fn.params.forEach((p) => this.params.set(p.value, p));
  }

  write(): TangentIR {
    const { fn, spec } = this;
    const params = fn.params.map((p) => ({ ...p, value: this.copyValue(p.value) }));
    const seeded = new Set(spec.seeds);
    const tangentParams = [
      ...spec.seeds.map((p): Param => {
        const tangent = this.tangentParam(p);
        this.tangents.set(p.value, tangent.value);
        const path = p.field === undefined ? p.value.name! : `${p.field.param}.${p.field.path}`;
        return { ...tangent, differentiated: false, field: { param: tangentsParam, path }, readAtEntry: true };
      }),
      ...this.extraParams(),
    ];
    // A parameter that is not seeded but is written with values that carry tangents (an array
    // the function fills) starts with a zero tangent.
    for (const p of fn.params)
      if (!seeded.has(p) && this.activity.isActive(p.value)) this.tangents.set(p.value, this.zeroTangent(p.value));
    let forwardOpCount = this.body.ops.length;
    fn.body.ops.forEach((op, i) => {
      this.transform(op);
      if (i < (spec.forwardOpCount ?? fn.body.ops.length)) forwardOpCount = this.body.ops.length;
    });
    const yields = fn.body.yields.map((v) => this.copy(v));
    const tangentYields = spec.outputs.map((i) => this.tangentOrZero(at(fn.body.yields, i, "output")));
    this.body.yields = [...yields, ...tangentYields];
    const entry = this.entryOps();
    this.body.ops.unshift(...entry);
    forwardOpCount += entry.length;
    // Nothing may follow a rest parameter: the tangents come before it.
    const restAt = params.findIndex((p) => p.rest);
    const split = restAt < 0 ? params.length : restAt;
    const result: IRFunction = {
      name: spec.name,
      params: [...params.slice(0, split), ...tangentParams, ...params.slice(split)],
      body: this.body,
      loc: fn.loc,
    };
    if (fn.returnsArray) result.returnsArray = fn.returnsArray;
    if (fn.returnsObject) result.returnsObject = fn.returnsObject;
    return { fn: result, forwardOpCount };
  }

  /** The tangent parameter of a seeded parameter (its value, how it is typed and stored). */
  protected tangentParam(p: Param): Omit<Param, "differentiated"> {
    return {
      value: this.values.value(p.value.type, tangentName(p.value.name)),
      typeText: tangentTypeText(p),
      ...(p.arrayKind ? { arrayKind: p.arrayKind } : {}),
      ...(p.rowKind ? { rowKind: p.rowKind } : {}),
      ...(p.elementFields ? { elementFields: p.elementFields } : {}),
    };
  }

  /** Parameters the function takes after the tangents. */
  protected extraParams(): Param[] {
    return [];
  }

  /** Ops the body starts with, made while the rest was written. */
  protected entryOps(): Op[] {
    return [];
  }

  // ----- values -----

  private copyValue(value: Value): Value {
    const copy = this.values.value(value.type, value.name);
    this.copies.set(value, copy);
    this.copied(value, copy);
    return copy;
  }

  /** Called with each value of the input and its copy, as the copy is made. */
  protected copied(_value: Value, _copy: Value): void {}

  protected copy(value: Value): Value {
    const copy = this.copies.get(value);
    if (!copy) throw new Error(`value ${value.id} has no copy in forward mode`);
    return copy;
  }

  protected active(value: Value): boolean {
    return this.activity.isActive(value);
  }

  /** The tangent of an input value, made zero where it has none (only numbers may have none). */
  protected tangentOrZero(value: Value): Value {
    const tangent = this.tangents.get(value);
    if (tangent) return tangent;
    if (value.type === "number") return this.zeroNumberTangent();
    return this.zeroTangent(value);
  }

  /** The tangent of a number that has none. */
  protected zeroNumberTangent(): Value {
    return this.algebra.num(0);
  }

  /** The tangent a branch or a loop passes on for `value`: unset where the value is (`undef`). */
  private passedTangent(value: Value): Value {
    if (this.definitions.get(value)?.opcode === "undef" && !this.tangents.has(value))
      return this.builder.emit("undef", [], value.type);
    return this.tangentOrZero(value);
  }

  /** A zero tangent for a value that carries tangents from here on (an array filled later). */
  protected zeroTangent(value: Value): Value {
    const copy = this.copy(value);
    const name = tangentName(value.name);
    if (value.type === "number") return this.algebra.num(0);
    if (value.type === "cell") return this.builder.emit("cell.new", [this.algebra.num(0)], "cell", {}, name);
    if (value.type !== "array") throw new Error(`a ${value.type} has no zero tangent`);
    const param = this.params.get(value);
    if (param?.rowKind !== undefined)
      return this.builder.emit("array.zerosLike", [copy], "array", { rows: param.rowKind }, name);
    if (param?.elementFields !== undefined)
      return this.builder.emit("array.zerosLike", [copy], "array", { fields: param.elementFields }, name);
    const length = this.builder.emit("array.length", [copy], "number");
    return this.builder.emit("array.zeros", [length], "array", { kind: this.arrayKind(value) }, name);
  }

  /** How an array is stored: as the parameter it is, or as the op that made it says. */
  private arrayKind(array: Value): ArrayKind {
    const param = this.params.get(array);
    if (param) return param.arrayKind ?? "Array";
    const op = this.definitions.get(array);
    if (op && (isOp(op, "array.new") || isOp(op, "array.copy") || isOp(op, "array.zeros"))) return op.attrs.kind;
    if (op && isOp(op, "array.literal")) return op.attrs.kind ?? "Array";
    if (op?.opcode === "if") {
      const index = op.results.indexOf(array);
      return this.arrayKind(at(op.regions[0]!.yields, index, "yield"));
    }
    const carried = op && loopParts(op)?.carried.find((c) => c.result === array);
    if (carried) return this.arrayKind(carried.init);
    throw new TangentError(op ?? this.definitions.values().next().value!, "the array's storage is not known");
  }

  /** Records `tangent` as the tangent of `value`, named after it when it was made for it alone. */
  protected setTangent(value: Value, tangent: Value): void {
    const made = this.builder.region.ops.at(-1);
    if (tangent.name === undefined && made?.results.includes(tangent) && made.opcode !== "const")
      tangent.name = tangentName(value.name);
    this.tangents.set(value, tangent);
  }

  // ----- ops -----

  private transform(op: Op): void {
    if (op.opcode === "if") return this.transformIf(op);
    if (op.opcode === "for" || op.opcode === "while") return this.transformLoop(op);
    // A literal is copied through the algebra, which then folds the rules' arithmetic on it.
    if (isOp(op, "const")) {
      this.copies.set(resultOf(op), this.algebra.literal(op.attrs));
      if (op.loc) this.builder.region.ops.at(-1)!.loc = op.loc;
      return;
    }
    // A negative literal (`-1`, a negation of a literal) likewise.
    if (op.opcode === "neg" && this.definitions.get(operandOf(op, 0))?.opcode === "const") {
      this.copies.set(resultOf(op), this.algebra.apply("neg", this.copy(operandOf(op, 0))));
      return;
    }
    if (this.isRecursiveCall(op)) return this.recursiveCall(op);
    const copied = this.copyOp(op);
    if (op.results.every((r) => !this.active(r)) && !this.writesActive(op)) return;
    const saved = this.builder.loc;
    if (op.loc) this.builder.loc = op.loc;
    try {
      this.tangentOf(op, copied);
    } finally {
      this.builder.loc = saved;
    }
  }

  /** The op copied with its operands' copies, appended; returns the copy. */
  private copyOp(op: Op): Op {
    const attrs = { ...op.attrs };
    // The gradient arrays of a Hessian-vector product are new arrays: it takes no `out`.
    if (isOp(op, "array.zeros")) delete attrs.output;
    const copied: Op = {
      opcode: op.opcode,
      operands: op.operands.map((v) => this.copy(v)),
      results: op.results.map((r) => this.copyValue(r)),
      regions: [],
      attrs,
      ...(op.loc ? { loc: op.loc } : {}),
    };
    this.builder.region.ops.push(copied);
    return copied;
  }

  /** An op writing into an array, cell or stack that carries tangents. */
  private writesActive(op: Op): boolean {
    const writes = ["array.set", "array.add", "array.addAll", "cell.add", "cell.set", "stack.push"];
    return writes.includes(op.opcode) && this.active(operandOf(op, 0));
  }

  protected emit(opcode: Op["opcode"], operands: Value[], type: Value["type"], attrs: Op["attrs"] = {}): Value {
    return this.builder.emit(opcode, operands, type, attrs);
  }

  protected sideEffect(opcode: Op["opcode"], operands: Value[], attrs: Op["attrs"] = {}): void {
    this.builder.op({ opcode, operands, attrs });
  }

  /** The tangent ops of `op` (its copy is `copied`), after the copy. */
  protected tangentOf(op: Op, copied: Op): void {
    const t = (v: Value) => this.tangentOrZero(v);
    const result = op.results[0];
    const kind = primitive(op.opcode);
    if (kind) return this.primitiveTangent(op, copied);
    switch (op.opcode) {
      case "array.get":
      case "array.row":
      case "array.copy":
      case "field":
        return this.setTangent(
          result!,
          this.emit(op.opcode, [t(operandOf(op, 0)), ...copied.operands.slice(1)], result!.type, { ...op.attrs }),
        );
      case "array.length":
        return;
      case "array.new":
        return this.setTangent(
          result!,
          this.emit("array.new", [copied.operands[0]!, t(operandOf(op, 1))], "array", { ...op.attrs }),
        );
      case "array.literal":
        return this.setTangent(result!, this.emit("array.literal", op.operands.map(t), "array", { ...op.attrs }));
      case "array.zeros":
      case "array.zerosLike":
      case "stack.new":
        return this.setTangent(result!, this.emit(op.opcode, copied.operands, result!.type, { ...copied.attrs }));
      case "cell.new":
        return this.setTangent(result!, this.emit("cell.new", [t(operandOf(op, 0))], "cell"));
      case "cell.read":
      case "stack.pop":
        return this.setTangent(result!, this.emit(op.opcode, [t(operandOf(op, 0))], result!.type));
      case "object":
        return this.setTangent(result!, this.objectTangent(op));
      case "array.set": {
        // A push appends to the tangents at their own end (the primal's length is read once, by
        // the primal's push, which prints without it).
        const tangents = t(operandOf(op, 0));
        const index = op.attrs.push === true ? this.emit("array.length", [tangents], "number") : copied.operands[1]!;
        return this.sideEffect("array.set", [tangents, index, t(operandOf(op, 2))], { ...op.attrs });
      }
      case "cell.set":
        return this.sideEffect("cell.set", [t(operandOf(op, 0)), t(operandOf(op, 1))]);
      case "stack.push":
        return this.sideEffect("stack.push", [t(operandOf(op, 0)), t(operandOf(op, 1))]);
      case "array.add":
        if (!this.active(operandOf(op, 2))) return;
        return this.addInto(op, [t(operandOf(op, 0)), copied.operands[1]!, t(operandOf(op, 2))]);
      case "cell.add":
        if (!this.active(operandOf(op, 1))) return;
        return this.addInto(op, [t(operandOf(op, 0)), t(operandOf(op, 1))]);
      case "array.addAll":
        return this.addAllTangent(op, copied);
      case "call":
        return this.callTangent(op, copied);
      default:
        throw new TangentError(op, `forward mode has no tangent for '${op.opcode}'`);
    }
  }

  /** Σ ∂y/∂x_i · ẋ_i over the operands x_i that carry tangents. */
  protected primitiveTangent(op: Op, copied: Op): void {
    const p = primitive(op.opcode)!;
    const result = resultOf(op);
    if (p.derivative.kind !== "partials" || !this.active(result)) return;
    if (op.opcode === "select") {
      const condition = at(copied.operands, 0, "condition");
      const [ta, tb] = [this.tangentOrZero(operandOf(op, 1)), this.tangentOrZero(operandOf(op, 2))];
      return this.setTangent(result, this.algebra.apply("select", condition, ta, tb));
    }
    const partial = p.derivative.partial;
    const x = copied.operands;
    const y = resultOf(copied);
    let sum: Value | undefined;
    op.operands.forEach((operand, i) => {
      const tangent = this.tangents.get(operand);
      if (!tangent || !this.active(operand)) return;
      const term = this.term(partial(this.algebra, x, y, i), tangent);
      sum = sum === undefined ? term : this.accumulate(sum, term);
    });
    this.setTangent(result, sum ?? this.algebra.num(0));
  }

  /** An operand's share of a result's tangent: the partial derivative `slope` times its tangent. */
  protected term(slope: Value, tangent: Value): Value {
    return this.algebra.apply("mul", slope, tangent);
  }

  /** Two shares of a tangent put together: their sum. */
  protected accumulate(a: Value, b: Value): Value {
    return this.algebra.apply("add", a, b);
  }

  /** `op` (`array.add`, `cell.add` or `array.addAll`) done to tangents: `operands`, the tangents
   * added into first. */
  protected addInto(op: Op, operands: Value[]): void {
    this.sideEffect(op.opcode, operands, { ...op.attrs });
  }

  /** The share of `a += s * b` (`op`) that the tangent of its scale gives: ȧ += ṡ · b. */
  protected addScaledInto(op: Op, targetTangent: Value, source: Value, scaleTangent: Value): void {
    this.sideEffect("array.addAll", [targetTangent, source, scaleTangent], { ...op.attrs });
  }

  /** The tangent of an object: the tangents of its number and array leaves. */
  private objectTangent(op: Op): Value {
    const fields = attrsOf(op, "object").fields;
    const leaves = op.operands.flatMap((leaf, i) =>
      leaf.type === "number" || leaf.type === "array"
        ? [{ path: at(fields, i), tangent: this.tangentOrZero(leaf) }]
        : [],
    );
    return this.emit(
      "object",
      leaves.map((l) => l.tangent),
      "object",
      { fields: leaves.map((l) => l.path) },
    );
  }

  /** `a += s * b`: ȧ += s · ḃ + ṡ · b. */
  private addAllTangent(op: Op, copied: Op): void {
    const [target, source, scale] = op.operands as [Value, Value, Value | undefined];
    const targetTangent = this.tangentOrZero(target);
    if (this.active(source)) {
      const scaled = scale === undefined ? [] : [copied.operands[2]!];
      this.addInto(op, [targetTangent, this.tangentOrZero(source), ...scaled]);
    }
    if (scale !== undefined && this.active(scale))
      this.addScaledInto(op, targetTangent, copied.operands[1]!, this.tangentOrZero(scale));
  }

  /**
   * A call with a derivative of its own: for a number-valued function, its gradient (a rule with
   * the cotangent 1, or the callee's gradient function) dotted with the tangents of its arguments.
   */
  protected callTangent(op: Op, copied: Op): void {
    const slopes = this.callSlopes(op, copied);
    if (slopes === undefined) return;
    let sum: Value | undefined;
    for (const { operand, slope: read } of slopes) {
      const slope = read();
      const term =
        operand.type === "array"
          ? this.dot(slope, this.tangentOrZero(operand))
          : this.term(slope, this.tangentOrZero(operand));
      sum = sum === undefined ? term : this.accumulate(sum, term);
    }
    this.setTangent(resultOf(op), sum ?? this.algebra.num(0));
  }

  /**
   * For a call whose result carries a tangent, the derivative of its number result with respect
   * to each of its arguments that carry one (a number or an array of them), read from the call's
   * derivative by `slope()`; undefined for a call whose result carries none.
   */
  protected callSlopes(op: Op, copied: Op): { operand: Value; slope: () => Value }[] | undefined {
    const result = op.results[0];
    // (the arrays a specialised copy writes hold counts, which carry no derivative: see
    // frontend/package-recursion.ts)
    if (!result || !this.active(result)) return undefined;
    const { derivative, derivativeKind, partials = [], callee } = attrsOf(op, "call");
    if (derivative === undefined)
      throw new TangentError(
        op,
        this.spec.forwardOpCount === undefined
          ? `'${callee}' has no derivative rule, and its result carries a tangent`
          : `the gradient calls '${callee}', whose own derivative is not known (second derivatives through recursive calls and @derivative rules are not supported)`,
      );
    if (result.type !== "number")
      throw new TangentError(op, `forward mode needs a tangent rule for '${callee}', whose result is not a number`);
    const vjp = derivativeKind === "vjp";
    const args = vjp ? [...copied.operands, this.algebra.num(1)] : copied.operands;
    const gradient = this.emit("call", args, "object", { callee: derivative });
    return op.operands.flatMap((operand, i) => {
      const partial = at(partials, i, "partial");
      if (partial === "" || !this.active(operand)) return [];
      const path = vjp ? partial : `grad.${partial}`;
      return [{ operand, slope: () => this.emit("field", [gradient], operand.type, { path }) }];
    });
  }

  /** A call of the function itself, whose result carries a tangent, with parameters that are
   * neither objects nor rest parameters. */
  private isRecursiveCall(op: Op): boolean {
    if (!isOp(op, "call") || this.spec.recursiveGradient === undefined) return false;
    if (op.attrs.derivative !== this.spec.recursiveGradient || !op.results[0] || !this.active(op.results[0]))
      return false;
    const params = this.fn.params;
    return op.operands.length === params.length && params.every((p) => p.field === undefined && !p.rest);
  }

  /** `f(a, n - 1)` in `f` itself: `fJvp(a, n - 1, { a: ȧ })`, value and tangent in one call. */
  protected recursiveCall(op: Op): void {
    const saved = this.builder.loc;
    if (op.loc) this.builder.loc = op.loc;
    this.setTangent(resultOf(op), this.recursiveCallTangent(op, [], "number"));
    this.builder.loc = saved;
  }

  /** The call of the function made here for a call of the function itself (with `extraArgs`
   * after the tangents), the call's value as the copy of its result; returns its tangent, a
   * `tangentType`. */
  protected recursiveCallTangent(op: Op, extraArgs: Value[], tangentType: Value["type"]): Value {
    const seeded = new Set(this.spec.seeds);
    const tangents = this.fn.params.flatMap((p, i) =>
      seeded.has(p) ? [{ path: p.value.name!, tangent: this.tangentOrZero(at(op.operands, i)) }] : [],
    );
    const object = this.emit(
      "object",
      tangents.map((t) => t.tangent),
      "object",
      { fields: tangents.map((t) => t.path) },
    );
    const call = this.emit("call", [...op.operands.map((v) => this.copy(v)), object, ...extraArgs], "object", {
      callee: this.spec.name,
    });
    const result = resultOf(op);
    this.copies.set(result, this.emit("field", [call], "number", { path: "value" }));
    this.copies.get(result)!.name = result.name;
    return this.emit("field", [call], tangentType, { path: "tangent" });
  }

  /** Σ_k a[k] · b[k], as a loop (a slope `a` and tangents `b`: its terms and their sum as
   * `term` and `accumulate` make them). */
  private dot(a: Value, b: Value): Value {
    return this.sumOver(
      a,
      "k",
      (k) => this.term(this.emit("array.get", [a, k], "number"), this.emit("array.get", [b, k], "number")),
      (partial, next) => this.accumulate(partial, next),
    );
  }

  /** Σ over the indices of `array` of `term(index)`, as a loop counting with `counterName`
   * (the terms put together by `combine`: added). */
  protected sumOver(
    array: Value,
    counterName: string,
    term: (index: Value) => Value,
    combine = (partial: Value, next: Value) => this.emit("add", [partial, next], "number"),
  ): Value {
    const [zero, one] = [this.algebra.num(0), this.algebra.num(1)];
    const length = this.emit("array.length", [array], "number");
    const counter = this.values.value("number", counterName);
    const partial = this.values.value("number");
    const body = emptyRegion([counter, partial]);
    this.builder.inRegion(body, () => {
      body.yields = [combine(partial, term(counter))];
    });
    const loop = this.builder.op({
      opcode: "for",
      operands: [zero, length, one, zero],
      results: [{ type: "number" }],
      regions: [body],
      attrs: { comparison: "lt" },
    });
    return resultOf(loop);
  }

  // ----- control flow -----

  /** Whether an `if` or a loop passes the tangent of a value that carries one as a result or a
   * carried value of its own (else the tangent is stored where it lives: see `branchEnd`). */
  protected passesTangent(_value: Value): boolean {
    return true;
  }

  /** Called at the end of each branch of `op`, before its yields. */
  protected branchEnd(_op: Op, _branch: Region): void {}

  /** Called before a loop whose carried values `carried` carry tangents. */
  protected loopStart(_carried: readonly Carried[]): void {}

  /** Called at the end of the body of a loop whose carried values `carried` carry tangents,
   * before its yields. */
  protected bodyEnd(_carried: readonly Carried[]): void {}

  /** An `if` yielding the tangents of its results after them. */
  private transformIf(op: Op): void {
    const passes = (r: Value) => this.active(r) && this.passesTangent(r);
    const activeResults = op.results.filter(passes);
    const regions = op.regions.map((region) => {
      const copied = emptyRegion();
      this.builder.inRegion(copied, () => {
        region.ops.forEach((inner) => this.transform(inner));
        this.branchEnd(op, region);
        copied.yields = [
          ...region.yields.map((v) => this.copy(v)),
          ...op.results.flatMap((r, i) => (passes(r) ? [this.passedTangent(at(region.yields, i, "yield"))] : [])),
        ];
      });
      return copied;
    });
    const results = [
      ...op.results.map((r) => this.copyValue(r)),
      ...activeResults.map((r) => this.values.value(r.type, tangentName(r.name))),
    ];
    this.builder.region.ops.push({
      opcode: "if",
      operands: [this.copy(operandOf(op, 0))],
      results,
      regions,
      attrs: { ...op.attrs },
      ...(op.loc ? { loc: op.loc } : {}),
    });
    activeResults.forEach((r, i) => this.tangents.set(r, results[op.results.length + i]!));
  }

  /** A loop carrying the tangents of its carried values after them. */
  private transformLoop(op: Op): void {
    const parts = loopParts(op)!;
    const withTangents = parts.carried.filter((c) => this.active(c.param) || this.active(c.result));
    this.loopStart(withTangents);
    const activeCarried = withTangents.filter((c) => this.passesTangent(c.param));
    const initTangents = activeCarried.map((c) => this.passedTangent(c.init));
    // The body's parameters and, after them, the carried tangents; a condition reads only the
    // carried values, and takes their tangents unread.
    const regionParams = (region: Region) => [
      ...region.params.map((p) => this.copyValue(p)),
      ...activeCarried.map((c) => {
        const tangent = this.values.value(c.param.type, tangentName(c.param.name));
        if (region === parts.body) this.tangents.set(c.param, tangent);
        return tangent;
      }),
    ];
    const regions: Region[] = [];
    if (parts.condition) {
      const source = parts.condition;
      const condition = emptyRegion(regionParams(source));
      this.builder.inRegion(condition, () => {
        source.ops.forEach((inner) => this.transform(inner));
        condition.yields = source.yields.map((v) => this.copy(v));
      });
      regions.push(condition);
    }
    const body = emptyRegion();
    body.params = regionParams(parts.body);
    this.builder.inRegion(body, () => {
      parts.body.ops.forEach((inner) => this.transform(inner));
      this.bodyEnd(withTangents);
      body.yields = [
        ...parts.body.yields.map((v) => this.copy(v)),
        ...activeCarried.map((c) => this.passedTangent(c.next)),
      ];
    });
    regions.push(body);
    const leadingOperands = op.opcode === "for" ? op.operands.slice(0, 3) : [];
    const results = [
      ...op.results.map((r) => this.copyValue(r)),
      ...activeCarried.map((c) => this.values.value(c.result.type, tangentName(c.result.name))),
    ];
    this.builder.region.ops.push({
      opcode: op.opcode,
      operands: [...leadingOperands.map((v) => this.copy(v)), ...parts.inits.map((v) => this.copy(v)), ...initTangents],
      results,
      regions,
      attrs: { ...op.attrs },
      ...(op.loc ? { loc: op.loc } : {}),
    });
    activeCarried.forEach((c, i) => this.tangents.set(c.result, results[op.results.length + i]!));
  }
}
