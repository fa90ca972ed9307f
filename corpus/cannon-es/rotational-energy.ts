import { Mat3, Vec3 } from "cannon-es";

/**
 * Rotational kinetic energy 1/2 w . I w of a box of half extents (hx, hy, hz) and unit mass
 * spinning at angular velocity (wx, wy, wz).
 * @differentiable
 */
export function rotationalEnergy(hx: number, hy: number, hz: number, wx: number, wy: number, wz: number): number {
  const m = 1;
  const inertia = new Mat3([
    (m / 3) * (hy * hy + hz * hz), 0, 0,
    0, (m / 3) * (hx * hx + hz * hz), 0,
    0, 0, (m / 3) * (hx * hx + hy * hy),
  ]);
  const omega = new Vec3(wx, wy, wz);
  return 0.5 * omega.dot(inertia.vmult(omega));
}
