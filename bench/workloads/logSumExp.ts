/** log(sum_i exp(x[i])), computed stably by subtracting the maximum first. */

/** @differentiable */
export function logSumExp(x: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] > m) m = x[i];
  }
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += Math.exp(x[i] - m);
  }
  return m + Math.log(sum);
}
