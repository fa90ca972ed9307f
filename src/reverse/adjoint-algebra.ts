/**
 * The algebra rules are evaluated in during reversal: it appends IR ops for a rule's partial
 * derivative to the current reverse region, simplifying as it goes so that generated code has
 * no `1 * dy`, `x * -1` or `a + a` noise.
 *
 * Every simplification is exact in IEEE arithmetic except `a * (1 / b) -> a / b` (and
 * `(1 / b) * a`), which rounds once instead of twice, `c1 * (c2 * x) -> (c1 * c2) * x`, which
 * regroups a constant factor, and `0 + a -> a`, which may differ in the sign of a zero. None applies to the forward sweep, which is the user's code unchanged.
 */
import { operandOf, resultOf } from "../ir/access.js";
import type { OpAttrs } from "../ir/attrs.js";
import type { Builder } from "../ir/builder.js";
import type { Op, Opcode, Region, Type, Value } from "../ir/types.js";
import type { Algebra } from "../rules/algebra.js";
import { mathConstantText, primitive } from "../rules/primitives.js";

/**
 * Folding `2 * 100` to `200` helps the reader; folding `1 / 9.81` to `0.10193679918450561` or
 * `-Math.PI` to `-3.141592653589793` does not.
 */
function readsAsLiteral(folded: number, operands: (number | boolean | undefined)[]): boolean {
  if (Number.isInteger(folded) && Math.abs(folded) < 1e15) return true;
  if (operands.some((c) => typeof c === "number" && mathConstantText(c) !== undefined)) return false;
  const longestOperand = Math.max(...operands.map((c) => String(c).length));
  return String(folded).length <= longestOperand + 2;
}

export class AdjointAlgebra implements Algebra<Value> {
  private readonly definitions = new Map<Value, Op>();
  private readonly constants = new Map<Value, number | boolean>();
  private readonly computedIn = new WeakMap<Region, Map<string, Value>>();

  /** `resolve` maps a placeholder for a primal value to the value the reverse sweep can read. */
  constructor(
    private readonly builder: Builder,
    private readonly resolve: (value: Value) => Value,
  ) {}

  /** The literal `value` is, when this algebra made it or was given it (`literal`). */
  constantOf(value: Value): number | boolean | undefined {
    return this.constants.get(value);
  }

  num(value: number): Value {
    const result = this.builder.constant(value, mathConstantText(value));
    this.constants.set(result, value);
    return result;
  }

  /** A copy of a literal of the user's, spelled as the user spelled it (`1e-3`, `G`). */
  literal(attrs: OpAttrs["const"]): Value {
    const result = this.builder.emit("const", [], "number", { ...attrs });
    this.constants.set(result, attrs.value);
    return result;
  }

  private bool(value: boolean): Value {
    const result = this.builder.emit("bool", [], "boolean", { value });
    this.constants.set(result, value);
    return result;
  }

  /** The operand of `-x` when `value` is such a negation made here. */
  private negated(value: Value): Value | undefined {
    const op = this.definitions.get(value);
    return op?.opcode === "neg" ? op.operands[0] : undefined;
  }

  /** The denominator of `1 / z` when `value` is such a reciprocal made here. */
  private reciprocal(value: Value): Value | undefined {
    const op = this.definitions.get(value);
    return op?.opcode === "div" && this.constants.get(operandOf(op, 0)) === 1 ? op.operands[1] : undefined;
  }

  apply(name: string, ...rawArgs: Value[]): Value {
    const args = rawArgs.map(this.resolve);
    const p = primitive(name);
    if (!p) throw new Error(`no primitive '${name}'`);
    const known = args.map((a) => this.constants.get(a));
    if (known.every((c) => c !== undefined)) {
      const folded = p.evaluate(...(known as number[]));
      if (typeof folded === "boolean") return this.bool(folded);
      if (readsAsLiteral(folded, known)) return this.num(folded);
    }
    return this.simplify(name, args, known) ?? this.shared(p.name, args, p.result);
  }

  /** The op computed once per region: `y * y + x * x` needed twice is built once. */
  private shared(name: Opcode, args: Value[], type: Type, attrs: Op["attrs"] = {}): Value {
    let computed = this.computedIn.get(this.builder.region);
    if (!computed) this.computedIn.set(this.builder.region, (computed = new Map()));
    const fieldKey = attrs.field === undefined ? "" : `.${String(attrs.field)}`;
    const key = `${name}(${args.map((a) => a.id).join(",")})${fieldKey}`;
    let result = computed.get(key);
    if (!result) computed.set(key, (result = this.emit(name, args, type, attrs)));
    return result;
  }

  /** A forward value computed again in the reverse sweep (marked `recomputed` in the IR). */
  recompute(opcode: Opcode, operands: Value[], type: Type, attrs: Op["attrs"] = {}): Value {
    return this.shared(opcode, operands, type, { ...attrs, recomputed: true });
  }

  /** A simpler equal expression for `name(args)`, or undefined to emit the op as it is. */
  private simplify(name: string, args: Value[], known: (number | boolean | undefined)[]): Value | undefined {
    const [a, b] = args as [Value, Value];
    const [ka, kb] = known;
    switch (name) {
      case "mul": {
        if (ka === 1) return b;
        if (kb === 1) return a;
        if (ka === -1) return this.apply("neg", b);
        if (kb === -1) return this.apply("neg", a);
        const negA = this.negated(a);
        if (negA) return this.apply("neg", this.apply("mul", negA, b));
        const negB = this.negated(b);
        if (negB) return this.apply("neg", this.apply("mul", a, negB));
        // c1 * (c2 * x) -> (c1 * c2) * x: adjoint code only, where the rounding of a constant
        // factor does not matter.
        const scaled = this.definitions.get(b);
        if (
          typeof ka === "number" &&
          scaled?.opcode === "mul" &&
          typeof this.constants.get(operandOf(scaled, 0)) === "number"
        ) {
          const product = ka * (this.constants.get(operandOf(scaled, 0)) as number);
          if (readsAsLiteral(product, [ka, this.constants.get(operandOf(scaled, 0))]))
            return this.apply("mul", this.num(product), operandOf(scaled, 1));
        }
        const denominatorOfB = this.reciprocal(b);
        if (denominatorOfB) return this.apply("div", a, denominatorOfB);
        const denominatorOfA = this.reciprocal(a);
        if (denominatorOfA) return this.apply("div", b, denominatorOfA);
        return undefined;
      }
      case "div": {
        if (kb === 1) return a;
        const negA = this.negated(a);
        return negA ? this.apply("neg", this.apply("div", negA, b)) : undefined;
      }
      case "add": {
        if (ka === 0) return b;
        if (kb === 0) return a;
        if (a === b) return this.apply("mul", this.num(2), a);
        const negB = this.negated(b);
        if (negB) return this.apply("sub", a, negB);
        const negA = this.negated(a);
        return negA ? this.apply("sub", b, negA) : undefined;
      }
      case "sub": {
        if (kb === 0) return a;
        const negB = this.negated(b);
        return negB ? this.apply("add", a, negB) : undefined;
      }
      case "neg":
        return this.negated(a);
      case "pow":
        return kb === 1 ? a : undefined;
      case "select":
        if (ka !== undefined) return ka ? args[1] : args[2];
        return args[1] === args[2] ? args[1] : undefined;
      default:
        return undefined;
    }
  }

  private emit(name: Opcode, args: Value[], type: Type, attrs: Op["attrs"] = {}): Value {
    const op = this.builder.op({ opcode: name, operands: args, results: [{ type }], attrs });
    const result = resultOf(op);
    this.definitions.set(result, op);
    return result;
  }
}
