/**
 * Hand-written adjoint of GradBench's lse objective (`logsumexp` in gradbench/evals/lse.ts), for
 * comparison with the generated one: it stands in for the generated module, exporting
 * `logsumexpGrad` with the same parameters and result.
 *
 * The forward sweep keeps the index of the maximum and writes exp(x[i] - m) straight into the
 * gradient array, so nothing else is stored; the reverse sweep scales it by 1 / sum and gives
 * the adjoint of m (1 minus the sum of the softmax, zero up to rounding) to the maximum's index.
 */
export function logsumexpGrad(x: Float64Array): { value: number; grad: { x: Float64Array } } {
  const n = x.length;
  let m = -Infinity;
  let argmax = -1;
  for (let i = 0; i < n; i++) {
    if (x[i] > m) {
      m = x[i];
      argmax = i;
    }
  }
  const dx = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(x[i] - m);
    dx[i] = e;
    sum += e;
  }
  const value = m + Math.log(sum);

  const dsum = 1 / sum;
  let dm = 1;
  for (let i = n - 1; i >= 0; i--) {
    const d = dsum * dx[i];
    dx[i] = d;
    dm -= d;
  }
  if (argmax >= 0) dx[argmax] += dm;
  return { value, grad: { x: dx } };
}
