import { glMatrix, mat4, vec4 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * Reprojection error of a world point seen by a perspective camera at `eyeZ` with vertical
 * field of view `fovy`: the residual of a camera calibration, in normalized device coordinates.
 * @differentiable
 */
export function cameraReprojection(fovy: number, eyeX: number, eyeZ: number): number {
  const projection = mat4.perspective(mat4.create(), fovy, 16 / 9, 0.1, 100);
  const view = mat4.lookAt(mat4.create(), [eyeX, 1, eyeZ], [0, 0, 0], [0, 1, 0]);
  const viewProjection = mat4.multiply(mat4.create(), projection, view);
  const clip = vec4.transformMat4(vec4.create(), vec4.fromValues(0.5, 0.25, -1, 1), viewProjection);
  const x = clip[0] / clip[3];
  const y = clip[1] / clip[3];
  return (x - 0.12) ** 2 + (y + 0.05) ** 2;
}
