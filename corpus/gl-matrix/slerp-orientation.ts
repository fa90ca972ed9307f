import { glMatrix, quat } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Angle between the orientation interpolated at `t` between two keyframes (rotations about x
 * and y by `a` and `b`) and a target orientation: the loss of an animation retiming.
 * @differentiable
 */
export function slerpOrientation(t: number, a: number, b: number): number {
  const from = quat.setAxisAngle(quat.create(), [1, 0, 0], a);
  const to = quat.setAxisAngle(quat.create(), [0, 1, 0], b);
  const between = quat.slerp(quat.create(), from, to, t);
  const target = quat.fromEuler(quat.create(), 20, 30, 0);
  return quat.getAngle(between, target) ** 2;
}
