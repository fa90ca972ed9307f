import type { int } from "adjoint";

/** @differentiable */
export function rosenbrock(x: number, y: number): number {
  const a = 1 - x;
  const b = y - x * x;
  return a * a + 100 * b * b;
}

/** Softplus with a sharpness `beta`, linear for large inputs. @differentiable(wrt: x) */
export function softplus(x: number, beta: number): number {
  if (beta * x > 30) return x;
  return Math.log1p(Math.exp(beta * x)) / beta;
}

/** A power series truncated after `terms` terms: sum of x^k / k!. */
/** @differentiable */
export const expSeries = (x: number, terms: int): number => {
  const x2 = x * x;
  let sum = 1 + x + x2 / 2;
  if (terms > 3) sum += (x2 * x) / 6;
  return sum;
};
