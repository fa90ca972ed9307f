import { Vec3 } from "cannon-es";

/**
 * A kinematic body moved a fraction t of the way from its position to a waypoint, against
 * where it should be.
 * @differentiable
 */
export function lerpWaypoint(t: number, wx: number, wy: number): number {
  const position = new Vec3(0, 1, 0);
  const waypoint = new Vec3(wx, wy, 2);
  const moved = new Vec3();
  position.lerp(waypoint, t, moved);
  return moved.vsub(new Vec3(1, 1.5, 1)).lengthSquared();
}
