import { easeCubicInOut } from "d3-ease";

/**
 * A value tweened from `from` to `to` with cubic in-out easing: its value at time t against a
 * keyframe.
 * @differentiable
 */
export function tweenPosition(from: number, to: number, t: number): number {
  const value = from + (to - from) * easeCubicInOut(t);
  return (value - 40) ** 2;
}
