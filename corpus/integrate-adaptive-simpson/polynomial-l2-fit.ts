import integrate from "integrate-adaptive-simpson";

/**
 * Least-squares fit of a quadratic to sin on [0, pi] in the L2 norm: the integral of the
 * squared difference.
 * @differentiable
 */
export function polynomialL2Fit(c0: number, c1: number, c2: number): number {
  return integrate((x) => (c0 + c1 * x + c2 * x * x - Math.sin(x)) ** 2, 0, Math.PI, 1e-10);
}
