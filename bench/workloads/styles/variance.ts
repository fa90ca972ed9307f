/**
 * A weighted variance, written twice: with array methods and callbacks (map, reduce), as
 * statistics code is usually written, and with plain loops. The benchmark compares the two
 * generated gradients.
 */

/** @differentiable(wrt: xs) */
export function varianceStructured(xs: number[], weights: number[]): number {
  const total = weights.reduce((s, w) => s + w, 0);
  const mean = xs.reduce((s, x, i) => s + weights[i] * x, 0) / total;
  return xs.map((x, i) => weights[i] * (x - mean) * (x - mean)).reduce((s, d) => s + d, 0) / total;
}

/** @differentiable(wrt: xs) */
export function variancePlain(xs: number[], weights: number[]): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let weighted = 0;
  for (let i = 0; i < xs.length; i++) weighted += weights[i] * xs[i];
  const mean = weighted / total;
  let spread = 0;
  for (let i = 0; i < xs.length; i++) spread += weights[i] * (xs[i] - mean) * (xs[i] - mean);
  return spread / total;
}
