import { easePolyIn } from "d3-ease";

/**
 * Fits the exponent of a polynomial ease-in to sampled progress.
 * @differentiable(wrt: exponent)
 */
export function polyExponentFit(exponent: number, times: number[], progress: number[]): number {
  const ease = easePolyIn.exponent(exponent);
  let loss = 0;
  for (let i = 0; i < times.length; i++) loss += (ease(times[i]!) - progress[i]!) ** 2;
  return loss;
}
