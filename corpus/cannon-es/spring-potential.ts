import { Vec3 } from "cannon-es";

/**
 * Potential energy of a spring of stiffness `k` and rest length 1 between two bodies, the
 * first at (x, y, z): what a constraint solver relaxes.
 * @differentiable
 */
export function springPotential(x: number, y: number, z: number, k: number): number {
  const a = new Vec3(x, y, z);
  const b = new Vec3(1, 2, 0.5);
  const stretch = a.vsub(b).length() - 1;
  return 0.5 * k * stretch * stretch;
}
