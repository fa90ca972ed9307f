import BezierEasing from "bezier-easing";

/**
 * A sprite eased from `start` to `end` with ease-in-out: where it is at time t, against where
 * a collision check needs it to be.
 * @differentiable(wrt: start, end)
 */
export function easedPosition(start: number, end: number, t: number): number {
  const easeInOut = BezierEasing(0.42, 0, 0.58, 1);
  const x = start + (end - start) * easeInOut(t);
  return (x - 120) ** 2;
}
