import BezierEasing from "bezier-easing";

/** Material Design's standard easing, made once for the module. */
const standard = BezierEasing(0.4, 0, 0.2, 1);

/**
 * The opacity of a fade driven by the standard easing, at time t of a fade of length
 * `duration` starting at `delay`, against the opacity a test recorded.
 * @differentiable(wrt: delay, duration)
 */
export function moduleEasing(delay: number, duration: number, t: number): number {
  const progress = (t - delay) / duration;
  return (standard(progress) - 0.8) ** 2;
}
