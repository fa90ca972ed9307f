import { easeCircleOut } from "d3-ease";

/**
 * A circular reveal growing to `radius` with circle-out easing: the area shown at time t
 * against the area a storyboard wants.
 * @differentiable(wrt: radius, t)
 */
export function circularReveal(radius: number, t: number): number {
  const r = radius * easeCircleOut(t);
  return (Math.PI * r * r - 500) ** 2 / 1e4;
}
