/**
 * GradBench's `ba` eval (bundle adjustment, from ADBench). A camera has 11 parameters
 * [r1 r2 r3 C1 C2 C3 f u0 v0 k1 k2]: an angle-axis rotation r, the camera center C, the focal
 * length f, the principal point (u0, v0) and radial distortion parameters (k1, k2). Observation
 * i sees point X through camera cam with weight w at the measured feature feat; its reprojection
 * error is w * (project(cam, X) - feat), where
 *
 *   Xcam = R(r) (X - C),  p = Xcam[0..1] / Xcam[2],  distorted = p (1 + k1 |p|^2 + k2 |p|^4),
 *   project = distorted * f + (u0, v0),
 *
 * and its weight error is 1 - w^2. The tool evaluates these for every observation and assembles
 * the sparse Jacobian from their gradients (two vector-Jacobian products per observation).
 */

const ROT_IDX = 0;
const C_IDX = 3;
const F_IDX = 6;
const X0_IDX = 7;
const RAD_IDX = 9;

/** out = a x b for 3-vectors. */
function cross(a: Float64Array, b: Float64Array, out: Float64Array): void {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

/**
 * Rotates pt by the angle-axis rotation cam[ROT_IDX .. ROT_IDX + 2] (Rodrigues' formula, as in
 * Ceres), writing the result into rotated.
 */
function rodriguesRotatePoint(cam: Float64Array, pt: Float64Array, rotated: Float64Array): void {
  const rot = new Float64Array(3);
  for (let i = 0; i < 3; i++) {
    rot[i] = cam[ROT_IDX + i];
  }
  const sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
  if (sqtheta !== 0) {
    const theta = Math.sqrt(sqtheta);
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const thetaInverse = 1 / theta;
    const w = new Float64Array(3);
    for (let i = 0; i < 3; i++) {
      w[i] = rot[i] * thetaInverse;
    }
    const wCrossPt = new Float64Array(3);
    cross(w, pt, wCrossPt);
    const tmp = (w[0] * pt[0] + w[1] * pt[1] + w[2] * pt[2]) * (1 - costheta);
    for (let i = 0; i < 3; i++) {
      rotated[i] = pt[i] * costheta + wCrossPt[i] * sintheta + w[i] * tmp;
    }
  } else {
    const rotCrossPt = new Float64Array(3);
    cross(rot, pt, rotCrossPt);
    for (let i = 0; i < 3; i++) {
      rotated[i] = pt[i] + rotCrossPt[i];
    }
  }
}

/** Applies the radial distortion of cam to proj in place. */
function radialDistort(cam: Float64Array, proj: Float64Array): void {
  const rsq = proj[0] * proj[0] + proj[1] * proj[1];
  const factor = 1 + cam[RAD_IDX] * rsq + cam[RAD_IDX + 1] * rsq * rsq;
  proj[0] = proj[0] * factor;
  proj[1] = proj[1] * factor;
}

/** The projection of the point x by the camera cam, written into proj. */
function project(cam: Float64Array, x: Float64Array, proj: Float64Array): void {
  const xo = new Float64Array(3);
  for (let i = 0; i < 3; i++) {
    xo[i] = x[i] - cam[C_IDX + i];
  }
  const xcam = new Float64Array(3);
  rodriguesRotatePoint(cam, xo, xcam);
  proj[0] = xcam[0] / xcam[2];
  proj[1] = xcam[1] / xcam[2];
  radialDistort(cam, proj);
  proj[0] = proj[0] * cam[F_IDX] + cam[X0_IDX];
  proj[1] = proj[1] * cam[F_IDX] + cam[X0_IDX + 1];
}

/** The weighted reprojection error of one observation. */
/** @differentiable(wrt: cam, x, w) */
export function reprojError(cam: Float64Array, x: Float64Array, w: number, feat: Float64Array): number[] {
  const proj = new Float64Array(2);
  project(cam, x, proj);
  return [w * (proj[0] - feat[0]), w * (proj[1] - feat[1])];
}

/** The weight error of one observation. */
/** @differentiable */
export function weightError(w: number): number {
  return 1 - w * w;
}
