import BezierEasing from "bezier-easing";

/**
 * Fits the control points of a CSS cubic-bezier timing function to samples of a recorded
 * animation: the squared error of the eased progress at each sampled time.
 * @differentiable(wrt: x1, y1, x2, y2)
 */
export function curveFit(x1: number, y1: number, x2: number, y2: number, times: number[], progress: number[]): number {
  const ease = BezierEasing(x1, y1, x2, y2);
  let loss = 0;
  for (let i = 0; i < times.length; i++) loss += (ease(times[i]!) - progress[i]!) ** 2;
  return loss;
}
