import { easeBackOut } from "d3-ease";

/**
 * Chooses the overshoot of a "back out" ease so that its peak progress (sampled at 70%) is the
 * one a designer asked for.
 * @differentiable(wrt: overshoot)
 */
export function backOvershoot(overshoot: number, peak: number): number {
  const ease = easeBackOut.overshoot(overshoot);
  return (ease(0.7) - peak) ** 2;
}
