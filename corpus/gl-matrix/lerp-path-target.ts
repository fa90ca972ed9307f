import { glMatrix, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Where along the segment from `start` to (ex, ey, ez) a point at parameter t lies, against a
 * waypoint: the loss of a keyframe fit.
 * @differentiable(wrt: t, ex, ey, ez)
 */
export function lerpPathTarget(t: number, ex: number, ey: number, ez: number, start: number[]): number {
  const a = vec3.fromValues(start[0]!, start[1]!, start[2]!);
  const b = vec3.fromValues(ex, ey, ez);
  const p = vec3.lerp(vec3.create(), a, b, t);
  return vec3.squaredDistance(p, [1, 2, 0.5]);
}
