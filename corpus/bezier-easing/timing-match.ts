import BezierEasing from "bezier-easing";

/**
 * Makes a cubic-bezier timing function (y control points only, x fixed) imitate a smoothstep
 * curve, sampled at nine times.
 * @differentiable
 */
export function timingMatch(y1: number, y2: number): number {
  const ease = BezierEasing(0.3, y1, 0.7, y2);
  let loss = 0;
  for (let i = 1; i < 10; i++) {
    const t = i / 10;
    loss += (ease(t) - t * t * (3 - 2 * t)) ** 2;
  }
  return loss;
}
