/**
 * Forward mode applied to the two kinds of IR the pipeline makes, and the names of what it makes:
 *   - a primal's tangent is its JVP, `fJvp(...params, tangents) => { value, tangent }`;
 *   - a primal's tangents along k directions at once are its vector JVP,
 *     `fJvpBatch(...params, tangents, directions) => { value, tangent }` (see batch-writer.ts);
 *   - the sets of coordinates a primal's result elements depend on at a point are its JVP's
 *     pattern, `fJvpPattern(...params, tangents, words) => { value, tangent }` (see
 *     pattern-writer.ts);
 *   - a gradient's tangent is the Hessian-vector product, forward over reverse,
 *     `fHvp(...params, tangents) => { value, grad, hvp }`: the tangent of each adjoint, stacks,
 *     cells and adjoint arrays of the reverse sweep included;
 *   - the sets of up to 32 coordinates each element of a gradient depends on at a point are its
 *     HVP's pattern, `fHvpPattern(...params, tangents) => { value, grad, hvp }`, the Hessian's
 *     rows (see pattern-writer.ts).
 * Both seed the differentiated parameters. Each result is verified and swept of the pure ops
 * nothing reads (tangents of values whose tangent reaches no output).
 */
import { gradientFunctionName } from "../backend/naming.js";
import { isPure } from "../ir/op-definitions.js";
import type { IRFunction } from "../ir/types.js";
import { verifyFunction } from "../ir/verifier.js";
import { removeDeadOps } from "../optimize/dead-code.js";
import type { GradientIR } from "../reverse/reverse.js";
import { batchTangentFunction } from "./batch-writer.js";
import { patternFunction, wordPatternFunction } from "./pattern-writer.js";
import { tangentFunction, type TangentIR, type TangentSpec } from "./tangent-writer.js";

export { TangentError, wholeFunction } from "./tangent-writer.js";

/** The generated function names of forward mode for the source function `name`. */
export const forwardNames = {
  jvp: (name: string) => `${name}Jvp`,
  jvpBatch: (name: string) => `${name}JvpBatch`,
  hvp: (name: string) => `${name}Hvp`,
  hessian: (name: string) => `${name}Hessian`,
  hessianDiagonal: (name: string) => `${name}HessianDiagonal`,
  jacobianForward: (name: string) => `${name}JacobianForward`,
  jacobianReverse: (name: string) => `${name}JacobianReverse`,
  jacobian: (name: string) => `${name}Jacobian`,
  jvpPattern: (name: string) => `${name}JvpPattern`,
  hvpPattern: (name: string) => `${name}HvpPattern`,
  hessianSparse: (name: string) => `${name}HessianSparse`,
  jacobianPattern: (name: string) => `${name}JacobianPattern`,
  jacobianSparse: (name: string) => `${name}JacobianSparse`,
} as const;

function finished(ir: TangentIR, pass: string): TangentIR {
  const forwardOps = new Set(ir.fn.body.ops.slice(0, ir.forwardOpCount));
  removeDeadOps(ir.fn.body, isPure);
  verifyFunction(ir.fn, pass);
  return { fn: ir.fn, forwardOpCount: ir.fn.body.ops.filter((op) => forwardOps.has(op)).length };
}

/** The function `write` makes of `primal`, named `name`, seeding its differentiated
 * parameters; a recursive call of the source function calls the function made. */
function ofPrimal(
  write: (fn: IRFunction, spec: TangentSpec) => TangentIR,
  primal: IRFunction,
  sourceName: string,
  name: string,
  pass: string,
): TangentIR {
  const ir = write(primal, {
    name,
    seeds: primal.params.filter((p) => p.differentiated),
    outputs: [0],
    recursiveGradient: gradientFunctionName(sourceName, false),
  });
  ir.fn.result = "tangent";
  return finished(ir, pass);
}

/** `fJvp`: the value of `primal` and its tangent along the differentiated parameters'. */
export function jvpOf(primal: IRFunction, sourceName: string): TangentIR {
  return ofPrimal(tangentFunction, primal, sourceName, forwardNames.jvp(sourceName), "forward mode");
}

/** `fJvpBatch`: the value of `primal` and its tangents along `directions` directions of the
 * differentiated parameters at once (vector forward mode). */
export function jvpBatchOf(primal: IRFunction, sourceName: string): TangentIR {
  return ofPrimal(batchTangentFunction, primal, sourceName, forwardNames.jvpBatch(sourceName), "vector forward mode");
}

/** `fJvpPattern`: the value of `primal` and, for each element of its result, the set of the
 * coordinates of the differentiated parameters it depends on at this point, in `words` words. */
export function jvpPatternOf(primal: IRFunction, sourceName: string): TangentIR {
  return ofPrimal(patternFunction, primal, sourceName, forwardNames.jvpPattern(sourceName), "sparsity pattern");
}

/** The function `write` makes of a gradient, named `name`, seeding its differentiated
 * parameters and giving the tangents of its gradient. */
function ofGradient(
  write: (fn: IRFunction, spec: TangentSpec) => TangentIR,
  gradient: GradientIR,
  name: string,
  pass: string,
): TangentIR {
  const { fn } = gradient;
  const seeds = fn.params.filter((p) => p.differentiated);
  const ir = write(fn, { name, seeds, outputs: seeds.map((_, i) => i + 1), forwardOpCount: gradient.forwardOpCount });
  ir.fn.result = "hvp";
  return finished(ir, pass);
}

/** `fHvp`: the gradient IR's value and gradient, and the gradient's tangent (H·v). */
export function hvpOf(gradient: GradientIR, sourceName: string): TangentIR {
  return ofGradient(tangentFunction, gradient, forwardNames.hvp(sourceName), "forward over reverse");
}

/** `fHvpPattern`: the gradient IR's value and gradient, and for each element of the gradient
 * the set of the (up to 32) seeded coordinates it depends on at this point: the Hessian's rows. */
export function hvpPatternOf(gradient: GradientIR, sourceName: string): TangentIR {
  return ofGradient(wordPatternFunction, gradient, forwardNames.hvpPattern(sourceName), "Hessian pattern");
}
