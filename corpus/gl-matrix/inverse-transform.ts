import { glMatrix, mat4, quat, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Brings a world point back into an object's frame (rotation about z by `yaw`, translation,
 * uniform scale) through the inverse of its model matrix, and measures it against the point's
 * known local coordinates.
 * @differentiable
 */
export function inverseTransform(yaw: number, tx: number, ty: number, s: number): number {
  const rotation = quat.setAxisAngle(quat.create(), [0, 0, 1], yaw);
  const model = mat4.fromRotationTranslationScale(mat4.create(), rotation, [tx, ty, 0], [s, s, s]);
  const inverse = mat4.invert(mat4.create(), model);
  const local = vec3.transformMat4(vec3.create(), [2, 1, 0.5], inverse!);
  return vec3.squaredDistance(local, [1, 0.5, 0.25]);
}
