import { glMatrix, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * A mesh regularizer: how far the area of the triangle (a, b, c) is from the target area.
 * @differentiable
 */
export function triangleArea(vertices: number[], targetArea: number): number {
  const a = vec3.fromValues(vertices[0]!, vertices[1]!, vertices[2]!);
  const b = vec3.fromValues(vertices[3]!, vertices[4]!, vertices[5]!);
  const c = vec3.fromValues(vertices[6]!, vertices[7]!, vertices[8]!);
  const ab = vec3.subtract(vec3.create(), b, a);
  const ac = vec3.subtract(vec3.create(), c, a);
  const normal = vec3.cross(vec3.create(), ab, ac);
  const area = 0.5 * vec3.length(normal);
  return (area - targetArea) ** 2;
}
