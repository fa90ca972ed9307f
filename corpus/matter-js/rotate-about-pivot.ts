import Matter from "matter-js";

const { Vector } = Matter;

/**
 * A point of a lever rotated by `angle` about its pivot, against the point it should reach:
 * inverse kinematics of one joint.
 * @differentiable(wrt: angle)
 */
export function rotateAboutPivot(angle: number, pivotX: number, pivotY: number): number {
  const tip = Vector.rotateAbout({ x: pivotX + 2, y: pivotY }, angle, { x: pivotX, y: pivotY });
  return Vector.magnitudeSquared(Vector.sub(tip, { x: 1, y: 1.5 }));
}
