import { glMatrix, mat4, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Squared distance between points rotated about the y axis by `angle` and translated by
 * (tx, ty, tz) and their targets: the loss of a rigid registration.
 * @differentiable
 */
export function rotatedPointsDistance(angle: number, tx: number, ty: number, tz: number): number {
  const m = mat4.create();
  mat4.translate(m, m, [tx, ty, tz]);
  mat4.rotateY(m, m, angle);
  const p = vec3.fromValues(1, 2, 3);
  const q = vec3.create();
  vec3.transformMat4(q, p, m);
  return vec3.squaredDistance(q, [0.5, 1.5, -2]);
}
