import BezierEasing from "bezier-easing";

/**
 * A "back out" timing function whose second control point rises above 1: how far its progress
 * at 70% of the duration is from the peak a designer asked for.
 * @differentiable(wrt: y2)
 */
export function overshootHeight(y2: number, peak: number): number {
  const ease = BezierEasing(0.34, 1.2, 0.64, y2);
  return (ease(0.7) - peak) ** 2;
}
