/**
 * The sparsity pattern of a Jacobian at a point: vector forward mode (`batch-writer.ts`) whose
 * lanes hold sets of coordinates instead of derivatives. Each lane is a word of 32 bits, bit b of
 * word w standing for coordinate 32 w + b; the caller seeds coordinate c's bit in its own
 * element, and each result element's words then hold the coordinates it may depend on.
 *
 * Where vector forward mode computes Σ ∂y/∂x_i · ẋ_i, this computes the union of the sets of
 * the operands x_i whose partial derivative is not exactly zero at the point: a weight of 0, a
 * factor that is 0, the branch not taken contribute nothing. So the pattern is the Jacobian's
 * at this point, and holds every entry that is not zero there (an entry it holds may still be
 * zero, where terms cancel). It is what compressing the Jacobian's columns needs: columns that
 * share no row can be computed in one lane (see drivers.ts, `fJacobianSparse`).
 */
import { emptyRegion } from "../ir/builder.js";
import type { IRFunction, Op, Value } from "../ir/types.js";
import { BatchTangentWriter } from "./batch-writer.js";
import type { TangentIR } from "./tangent-writer.js";
import type { TangentSpec } from "./tangent-writer.js";

/** The parameter holding the number of words of each element's set. */
export const wordsParam = "words";

/** The pattern of `fn`'s Jacobian at a point, as `spec` asks: sets of coordinates in words. */
export function patternFunction(fn: IRFunction, spec: TangentSpec): TangentIR {
  return new PatternWriter(fn, spec).write();
}

class PatternWriter extends BatchTangentWriter {
  protected override lanesName(): string {
    return wordsParam;
  }

  /** The operand's set, unless its partial derivative is zero here. */
  protected override term(slope: Value, lane: Value): Value {
    const { algebra } = this;
    return algebra.apply("select", algebra.apply("ne", slope, algebra.num(0)), lane, algebra.num(0));
  }

  /** The union of two sets. */
  protected override accumulate(a: Value, b: Value): Value {
    return a === b ? a : this.algebra.apply("bitOr", a, b);
  }

  /** Each element's set gains the source element's (whatever the scale). */
  protected override addAllLanes(_op: Op, target: Value, source: Value): void {
    const [zero, one] = [this.algebra.num(0), this.algebra.num(1)];
    const length = this.emit("array.length", [source], "number");
    const index = this.values.value("number", "w");
    const body = emptyRegion([index]);
    this.builder.inRegion(body, () => {
      const union = this.accumulate(
        this.emit("array.get", [target, index], "number"),
        this.emit("array.get", [source, index], "number"),
      );
      this.sideEffect("array.set", [target, index, union]);
    });
    this.builder.op({ opcode: "for", operands: [zero, length, one], regions: [body], attrs: { comparison: "lt" } });
  }
}
