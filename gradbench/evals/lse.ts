/**
 * GradBench's `lse` eval: the log-sum-exp of a vector, computed the stable way (subtracting the
 * maximum first), and its gradient.
 */

/** @differentiable */
export function logsumexp(x: Float64Array): number {
  let a = x[0];
  for (let i = 1; i < x.length; i++) {
    a = Math.max(a, x[i]);
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s += Math.exp(x[i] - a);
  }
  return Math.log(s) + a;
}
