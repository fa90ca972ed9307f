import { Quaternion, Vec3 } from "cannon-es";

/**
 * A camera easing a fraction t of the way from one orientation to another (both about the
 * vertical axis), and how far its view direction is from the subject.
 * @differentiable
 */
export function quaternionSlerpAim(t: number, from: number, to: number): number {
  const up = new Vec3(0, 1, 0);
  const a = new Quaternion().setFromAxisAngle(up, from);
  const b = new Quaternion().setFromAxisAngle(up, to);
  const view = a.slerp(b, t).vmult(new Vec3(0, 0, -1));
  return view.vsub(new Vec3(-0.6, 0, -0.8)).lengthSquared();
}
