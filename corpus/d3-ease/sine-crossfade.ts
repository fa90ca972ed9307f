import { easeSinInOut } from "d3-ease";

/**
 * An equal-power audio crossfade with sine in-out easing: how far the summed power of the two
 * gains at time t is from 1.
 * @differentiable
 */
export function sineCrossfade(t: number): number {
  const fadeIn = easeSinInOut(t);
  const fadeOut = 1 - fadeIn;
  return (fadeIn * fadeIn + fadeOut * fadeOut - 1) ** 2;
}
