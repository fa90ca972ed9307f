import { easeExpIn } from "d3-ease";

/**
 * A map zoom from scale s0 to s1 along exponential easing: the log-scale error at time t
 * against where the camera should be.
 * @differentiable(wrt: s0, s1)
 */
export function exponentialZoom(s0: number, s1: number, t: number): number {
  const scale = s0 + (s1 - s0) * easeExpIn(t);
  return Math.log(scale / 3) ** 2;
}
