import { Quaternion, Vec3 } from "cannon-es";

/**
 * How far a turret's barrel, turned by `yaw` about the vertical axis, points from its target
 * direction.
 * @differentiable
 */
export function quaternionAim(yaw: number): number {
  const q = new Quaternion();
  q.setFromAxisAngle(new Vec3(0, 1, 0), yaw);
  const barrel = q.vmult(new Vec3(0, 0, 1));
  const target = new Vec3(0.6, 0, 0.8);
  return barrel.vsub(target).lengthSquared();
}
