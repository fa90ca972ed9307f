/**
 * GradBench's linear least squares objective (eval `llsq`, from cmpad's llsq_obj): fit a
 * polynomial with the m coefficients x[0..m-1] to the sign function sampled at n points t_i
 * evenly spaced on [-1, 1]:
 *
 *   y(x) = 1/2 sum_{i<n} (s_i - x_0 - x_1 t_i - x_2 t_i^2 - ... - x_{m-1} t_i^{m-1})^2,
 *   t_i = -1 + 2 i / (n - 1),  s_i = sign(t_i).
 *
 * As in the eval, x has length m (the coefficients) and n is the number of sample points.
 * The powers of t_i are computed with Math.pow, as GradBench's reference implementation does.
 */
import type { int } from "adjoint";

/** @differentiable */
export function llsq(x: Float64Array, n: int): number {
  const m = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = -1 + (i * 2) / (n - 1);
    let inner = Math.sign(t);
    for (let j = 0; j < m; j++) {
      inner -= x[j] * Math.pow(t, j);
    }
    sum += inner * inner;
  }
  return sum / 2;
}
