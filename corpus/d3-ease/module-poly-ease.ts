import { easePolyInOut } from "d3-ease";

/** The ease of the product's transitions, configured once. */
const ease = easePolyInOut.exponent(2.5);

/**
 * A slider's knob eased from x0 to x1: where it is at t, against where the pointer is.
 * @differentiable(wrt: x0, x1)
 */
export function modulePolyEase(x0: number, x1: number, t: number): number {
  return (x0 + (x1 - x0) * ease(t) - 75) ** 2;
}
