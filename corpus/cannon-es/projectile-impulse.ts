import { Vec3 } from "cannon-es";

/**
 * Where a projectile launched with velocity (vx, vy, vz) is after `t` seconds of gravity,
 * stepped like a physics engine does (semi-implicit Euler with scaled vector additions), against
 * the target it should hit.
 * @differentiable(wrt: vx, vy, vz)
 */
export function projectileImpulse(vx: number, vy: number, vz: number, t: number): number {
  const gravity = new Vec3(0, -9.81, 0);
  const position = new Vec3(0, 0, 0);
  const velocity = new Vec3(vx, vy, vz);
  const steps = 60;
  const dt = t / steps;
  for (let i = 0; i < steps; i++) {
    velocity.addScaledVector(dt, gravity, velocity);
    position.addScaledVector(dt, velocity, position);
  }
  return position.distanceTo(new Vec3(10, 0, 3)) ** 2;
}
