import { Quaternion, Vec3 } from "cannon-es";

/**
 * A body's forward axis after the Euler rotation (roll, pitch, yaw), against the direction an
 * IMU reported: the loss of an attitude estimate.
 * @differentiable
 */
export function eulerOrientation(roll: number, pitch: number, yaw: number): number {
  const q = new Quaternion();
  q.setFromEuler(roll, pitch, yaw, "XYZ");
  const forward = q.vmult(new Vec3(1, 0, 0));
  return forward.distanceTo(new Vec3(0.5, 0.5, 0.7071)) ** 2;
}
