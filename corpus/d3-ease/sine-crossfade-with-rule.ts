import { easeSinInOut } from "d3-ease";

/**
 * The crossfade of sine-crossfade, with the derivative of the package's sine in-out easing
 * supplied by the user.
 * @differentiable
 */
export function sineCrossfadeWithRule(t: number): number {
  const fadeIn = easeSinInOut(t);
  const fadeOut = 1 - fadeIn;
  return (fadeIn * fadeIn + fadeOut * fadeOut - 1) ** 2;
}

/** @derivative easeSinInOut */
export function easeSinInOutVjp(normalizedTime: number, cotangent: number): { normalizedTime: number } {
  return { normalizedTime: cotangent * (Math.PI / 2) * Math.sin(Math.PI * normalizedTime) };
}
