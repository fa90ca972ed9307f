import { glMatrix, quat, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * How far a body axis, rotated by `angle` about the axis (ax, ay, az), lands from where a sensor
 * saw it: the loss of an orientation fit.
 * @differentiable
 */
export function quatAxisAlignment(angle: number, ax: number, ay: number, az: number): number {
  const axis = vec3.normalize(vec3.create(), vec3.fromValues(ax, ay, az));
  const q = quat.setAxisAngle(quat.create(), axis, angle);
  const rotated = vec3.transformQuat(vec3.create(), vec3.fromValues(1, 0, 0), q);
  return vec3.squaredDistance(rotated, vec3.fromValues(0.6, 0.8, 0));
}
