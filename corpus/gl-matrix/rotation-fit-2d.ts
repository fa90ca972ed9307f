import { glMatrix, mat2, vec2 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Least-squares fit of a rotation by `theta` and a scale mapping points onto their images:
 * a 2D Procrustes loss.
 * @differentiable(wrt: theta, scale)
 */
export function rotationFit2d(theta: number, scale: number, from: number[], to: number[]): number {
  const m = mat2.fromRotation(mat2.create(), theta);
  mat2.multiplyScalar(m, m, scale);
  let loss = 0;
  for (let i = 0; i < from.length; i += 2) {
    const p = vec2.transformMat2(vec2.create(), vec2.fromValues(from[i]!, from[i + 1]!), m);
    loss += vec2.squaredDistance(p, vec2.fromValues(to[i]!, to[i + 1]!));
  }
  return loss;
}
