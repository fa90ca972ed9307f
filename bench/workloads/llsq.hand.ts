/**
 * Hand-written adjoint of GradBench's llsq objective (`llsq` in gradbench/evals/llsq.ts), for
 * comparison with the generated one: it stands in for the generated module, exporting `llsqGrad`
 * with the same parameters and result.
 *
 * y = 1/2 sum_i r_i^2 with r_i = s_i - sum_j x_j t_i^j, so dy/dx_j = -sum_i r_i t_i^j. Each
 * sample's powers of t_i are kept in one scratch array of length m, reused for every sample, and
 * the gradient is accumulated right after the residual: nothing is stored across samples.
 */
import type { int } from "adjoint";

export function llsqGrad(x: Float64Array, n: int): { value: number; grad: { x: Float64Array } } {
  const m = x.length;
  const dx = new Float64Array(m);
  const powers = new Float64Array(m);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = -1 + (i * 2) / (n - 1);
    let inner = Math.sign(t);
    for (let j = 0; j < m; j++) {
      const p = Math.pow(t, j);
      powers[j] = p;
      inner -= x[j] * p;
    }
    sum += inner * inner;
    for (let j = 0; j < m; j++) {
      dx[j] -= inner * powers[j];
    }
  }
  return { value: sum / 2, grad: { x: dx } };
}
