/**
 * The sparsity pattern of a Jacobian at a point: forward mode whose tangents hold sets of
 * coordinates instead of derivatives, as the bits of integers (bit b of word w standing for
 * coordinate 32 w + b). The caller seeds each coordinate's bit in its own element, and each
 * result element then holds the coordinates it may depend on.
 *
 * Where forward mode computes Σ ∂y/∂x_i · ẋ_i, this computes the union of the sets of the
 * operands x_i whose partial derivative is not exactly zero at the point: a weight of 0, a
 * factor that is 0, the branch not taken contribute nothing. So the pattern is the Jacobian's at
 * this point, and holds every entry that is not zero there (an entry it holds may still be zero,
 * where terms cancel). It is what compressing the Jacobian's columns needs: columns that share
 * no row can be computed in one direction (see drivers.ts, `fJacobianSparse`, `fHessianSparse`).
 *
 * Two writers, for the two forward modes:
 * - `fJvpPattern`, vector forward mode (`batch-writer.ts`) whose lanes are words, any number of
 *   coordinates in one sweep, over a primal;
 * - `fHvpPattern`, forward mode (`tangent-writer.ts`) whose tangents are one word each, so 32
 *   coordinates a sweep, over a gradient (its stacks and cells included): the pattern of the
 *   gradient's Jacobian, the Hessian.
 */
import { literalValues } from "../analysis/literals.js";
import { at, resultOf } from "../ir/access.js";
import { type Builder, emptyRegion, type ValueFactory } from "../ir/builder.js";
import { forEachOp } from "../ir/walk.js";
import type { IRFunction, Op, Value } from "../ir/types.js";
import type { AdjointAlgebra } from "../reverse/adjoint-algebra.js";
import { BatchTangentWriter } from "./batch-writer.js";
import { type TangentIR, type TangentSpec, TangentWriter } from "./tangent-writer.js";

/** The parameter holding the number of words of each element's set. */
export const wordsParam = "words";

/** The pattern of `fn`'s Jacobian at a point, as `spec` asks: sets of coordinates in words. */
export function patternFunction(fn: IRFunction, spec: TangentSpec): TangentIR {
  return new PatternWriter(fn, spec).write();
}

/** The pattern of `fn`'s Jacobian at a point for up to 32 coordinates, one word a set. */
export function wordPatternFunction(fn: IRFunction, spec: TangentSpec): TangentIR {
  return new WordPatternWriter(fn, spec).write();
}

/** The set of an operand, unless its partial derivative `slope` is zero here (never, for a
 * slope known not to be zero: no test of it is written). */
function setUnlessFlat(algebra: AdjointAlgebra, slope: Value, set: Value, neverZero: boolean): Value {
  const known = algebra.constantOf(slope);
  if (neverZero || (typeof known === "number" && known !== 0)) return set;
  return algebra.apply("select", algebra.apply("ne", slope, algebra.num(0)), set, algebra.num(0));
}

/**
 * The values of `fn` that are never zero: literals other than 0 (a cell's too, see
 * analysis/literals.ts), and choices (`select`, an `if`'s results) among such.
 */
function neverZeroValues(fn: IRFunction): Set<Value> {
  const never = new Set([...literalValues(fn)].flatMap(([v, n]) => (n !== 0 ? [v] : [])));
  forEachOp(fn.body.ops, (op) => {
    if (op.opcode === "select" && op.operands.slice(1).every((v) => never.has(v))) never.add(resultOf(op));
    if (op.opcode === "if")
      op.results.forEach((result, i) => {
        if (op.regions.every((r) => never.has(at(r.yields, i, "yield")))) never.add(result);
      });
  });
  return never;
}

/**
 * The copies a writer makes of the values of its input that are never zero, which it reads as
 * partial derivatives without testing them (a test of one TypeScript could type as a literal,
 * `const ds = 1; ds !== 0`, would not compile).
 */
class NeverZeroCopies {
  private readonly inputs: Set<Value>;
  private readonly copies = new Set<Value>();
  constructor(fn: IRFunction) {
    this.inputs = neverZeroValues(fn);
  }
  copied(value: Value, copy: Value): void {
    if (this.inputs.has(value)) this.copies.add(copy);
  }
  has(copy: Value): boolean {
    return this.copies.has(copy);
  }
}

/** The union of two sets. */
function union(algebra: AdjointAlgebra, a: Value, b: Value): Value {
  return a === b ? a : algebra.apply("bitOr", a, b);
}

/** What writing the union loops needs of a writer. */
interface Emitting {
  builder: Builder;
  values: ValueFactory;
  algebra: AdjointAlgebra;
}

/**
 * Each element of `target` joined with `set(j)` for its index j, over the indices of `source`
 * (up to the shorter array's length, with `upToShorter`), as a loop.
 */
function unionInto(
  { builder, values, algebra }: Emitting,
  target: Value,
  source: Value,
  upToShorter: boolean,
  set: (index: Value) => Value,
): void {
  const length = (array: Value) => builder.emit("array.length", [array], "number");
  const bound = upToShorter ? algebra.apply("min", length(target), length(source)) : length(source);
  const index = values.value("number", "w");
  const body = emptyRegion([index]);
  builder.inRegion(body, () => {
    const joined = union(algebra, builder.emit("array.get", [target, index], "number"), set(index));
    builder.op({ opcode: "array.set", operands: [target, index, joined] });
  });
  builder.op({
    opcode: "for",
    operands: [algebra.num(0), bound, algebra.num(1)],
    regions: [body],
    attrs: { comparison: "lt" },
  });
}

class PatternWriter extends BatchTangentWriter {
  private neverZero: NeverZeroCopies | undefined;

  protected override lanesName(): string {
    return wordsParam;
  }

  protected override copied(value: Value, copy: Value): void {
    (this.neverZero ??= new NeverZeroCopies(this.fn)).copied(value, copy);
  }

  protected override term(slope: Value, lane: Value): Value {
    return setUnlessFlat(this.algebra, slope, lane, this.neverZero?.has(slope) ?? false);
  }

  protected override accumulate(a: Value, b: Value): Value {
    return union(this.algebra, a, b);
  }

  /** Each element's set gains the source element's (whatever the scale). */
  protected override addAllLanes(op: Op, target: Value, source: Value): void {
    unionInto(this.emitting(), target, source, op.attrs.upToShorter === true, (j) =>
      this.builder.emit("array.get", [source, j], "number"),
    );
  }

  private emitting(): Emitting {
    return { builder: this.builder, values: this.values, algebra: this.algebra };
  }
}

class WordPatternWriter extends TangentWriter {
  private neverZero: NeverZeroCopies | undefined;

  protected override copied(value: Value, copy: Value): void {
    (this.neverZero ??= new NeverZeroCopies(this.fn)).copied(value, copy);
  }

  protected override term(slope: Value, tangent: Value): Value {
    return setUnlessFlat(this.algebra, slope, tangent, this.neverZero?.has(slope) ?? false);
  }

  protected override accumulate(a: Value, b: Value): Value {
    return union(this.algebra, a, b);
  }

  /** An element's or a cell's set gains the added one's; each element of an array its source
   * element's (whatever the scale). */
  protected override addInto(op: Op, operands: Value[]): void {
    const { builder, algebra } = this;
    if (op.opcode === "cell.add") {
      const [cell, set] = operands as [Value, Value];
      return this.sideEffect("cell.set", [cell, union(algebra, builder.emit("cell.read", [cell], "number"), set)]);
    }
    if (op.opcode === "array.add") {
      const [array, index, set] = operands as [Value, Value, Value];
      if (op.attrs.field === undefined) {
        const element = builder.emit("array.get", [array, index], "number");
        return this.sideEffect("array.set", [array, index, union(algebra, element, set)]);
      }
      // A field of an object element is only ever added into: the union's difference from the
      // field is added (integers below 2^32, so exactly).
      const field = { field: op.attrs.field };
      const element = builder.emit("array.get", [array, index], "number", field);
      const joined = union(algebra, element, set);
      return this.sideEffect("array.add", [array, index, algebra.apply("sub", joined, element)], field);
    }
    const [target, source] = operands as [Value, Value];
    unionInto(this.emitting(), target, source, op.attrs.upToShorter === true, (j) =>
      builder.emit("array.get", [source, j], "number"),
    );
  }

  /** Each element's set gains the scale's. */
  protected override addScaledInto(op: Op, target: Value, source: Value, scaleSet: Value): void {
    unionInto(this.emitting(), target, source, op.attrs.upToShorter === true, () => scaleSet);
  }

  private emitting(): Emitting {
    return { builder: this.builder, values: this.values, algebra: this.algebra };
  }
}
