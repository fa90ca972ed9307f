import { easeCubicInOut } from "d3-ease";

/**
 * The tween of tween-position, with the derivative of the package's cubic in-out easing
 * supplied by the user (the package ships no TypeScript source).
 * @differentiable
 */
export function cubicTweenWithRule(from: number, to: number, t: number): number {
  const value = from + (to - from) * easeCubicInOut(t);
  return (value - 40) ** 2;
}

/** @derivative easeCubicInOut */
export function easeCubicInOutVjp(normalizedTime: number, cotangent: number): { normalizedTime: number } {
  const t = normalizedTime;
  const slope = t <= 0.5 ? 12 * t * t : 12 * (t - 1) * (t - 1);
  return { normalizedTime: cotangent * slope };
}
