import { glMatrix, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

// Temporaries allocated once and reused by every call, as gl-matrix's documentation advises.
const edge = vec3.create();
const toPoint = vec3.create();
const closest = vec3.create();

/**
 * Squared distance from a point (px, py, pz) to the segment from a to b: the loss pulling a
 * particle onto a wire.
 * @differentiable(wrt: px, py, pz)
 */
export function scratchVectors(px: number, py: number, pz: number, a: number[], b: number[]): number {
  vec3.subtract(edge, b as vec3, a as vec3);
  vec3.subtract(toPoint, [px, py, pz], a as vec3);
  const t = Math.min(1, Math.max(0, vec3.dot(toPoint, edge) / vec3.squaredLength(edge)));
  vec3.scaleAndAdd(closest, a as vec3, edge, t);
  return vec3.squaredDistance(closest, [px, py, pz]);
}
