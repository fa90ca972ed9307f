import { Vec3 } from "cannon-es";

/**
 * Squared torque of a force applied at an offset from the centre of mass: minimized to find
 * where to push a body so that it does not spin.
 * @differentiable
 */
export function torqueMagnitude(rx: number, ry: number, rz: number): number {
  const offset = new Vec3(rx, ry, rz);
  const force = new Vec3(0, -9.81, 2);
  const torque = offset.cross(force);
  return torque.dot(torque);
}
