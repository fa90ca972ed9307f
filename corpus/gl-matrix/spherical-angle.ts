import { glMatrix, vec3 } from "gl-matrix";

// Optimizers want double precision: gl-matrix makes Float32Arrays unless told otherwise.
glMatrix.setMatrixArrayType(Array);

/**
 * The angle between a direction given by spherical coordinates and a light direction, against
 * the angle a shading model wants.
 * @differentiable
 */
export function sphericalAngle(polar: number, azimuth: number): number {
  const direction = vec3.fromValues(
    Math.sin(polar) * Math.cos(azimuth),
    Math.sin(polar) * Math.sin(azimuth),
    Math.cos(polar),
  );
  const light = vec3.fromValues(0.3, -0.4, 0.87);
  return (vec3.angle(direction, light) - 0.5) ** 2;
}
