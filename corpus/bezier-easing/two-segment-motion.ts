import BezierEasing from "bezier-easing";

/**
 * A two-part motion (ease-in to a midpoint, then ease-out to the end): the total squared
 * velocity jump at the joint, estimated by differences, to choose the midpoint's timing.
 * @differentiable(wrt: mid)
 */
export function twoSegmentMotion(mid: number): number {
  const easeIn = BezierEasing(0.42, 0, 1, 1);
  const easeOut = BezierEasing(0, 0, 0.58, 1);
  const h = 0.01;
  const before = (mid * (easeIn(1) - easeIn(1 - h))) / h;
  const after = ((1 - mid) * (easeOut(h) - easeOut(0))) / h;
  return (before - after) ** 2;
}
