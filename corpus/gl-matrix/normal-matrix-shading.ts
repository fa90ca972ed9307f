import { glMatrix, mat3, mat4, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Lambertian shading of a surface normal transformed by the normal matrix of a model rotated by
 * `yaw` and stretched by `sx`, against a measured intensity.
 * @differentiable
 */
export function normalMatrixShading(yaw: number, sx: number): number {
  const model = mat4.create();
  mat4.rotateZ(model, model, yaw);
  mat4.scale(model, model, [sx, 1, 1]);
  const normalMatrix = mat3.normalFromMat4(mat3.create(), model)!;
  const normal = vec3.transformMat3(vec3.create(), [0.6, 0.8, 0], normalMatrix);
  vec3.normalize(normal, normal);
  const intensity = Math.max(0, vec3.dot(normal, [0, 1, 0]));
  return (intensity - 0.7) ** 2;
}
