import { glMatrix, vec2 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Elastic energy of a chain of springs of rest length `rest` through the points
 * (xs[i], ys[i]): what a cloth or rope simulation minimizes.
 * @differentiable(wrt: xs, ys)
 */
export function springChainEnergy(xs: number[], ys: number[], rest: number): number {
  let energy = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = vec2.fromValues(xs[i]!, ys[i]!);
    const b = vec2.fromValues(xs[i + 1]!, ys[i + 1]!);
    const stretch = vec2.distance(a, b) - rest;
    energy += 0.5 * stretch * stretch;
  }
  return energy;
}
