/**
 * GradBench's `llsq` eval (linear least squares, from cmpad): fit a polynomial with the m
 * coefficients x[0..m-1] to the sign function sampled at n points t_i evenly spaced on [-1, 1]:
 *
 *   y(x) = 1/2 sum_{i<n} (sign(t_i) - sum_{j<m} x_j t_i^j)^2,   t_i = -1 + 2 i / (n - 1).
 *
 * `primal` is y(x), `gradient` is its gradient with respect to x.
 */
import type { int } from "adjoint";

/** The i-th of n sample points, evenly spaced on [-1, 1]. */
function samplePoint(i: int, n: int): number {
  return -1 + (i * 2) / (n - 1);
}

/** @differentiable */
export function llsq(x: Float64Array, n: int): number {
  const m = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = samplePoint(i, n);
    let inner = Math.sign(t);
    for (let j = 0; j < m; j++) {
      inner -= x[j] * Math.pow(t, j);
    }
    sum += inner * inner;
  }
  return sum / 2;
}
