import * as ss from "simple-statistics";

/**
 * Mean squared residual of the line a x + b through the data, the mean taken by the library.
 * @differentiable(wrt: a, b)
 */
export function meanSquaredResidual(a: number, b: number, xs: number[], ys: number[]): number {
  const squared = xs.map((x, i) => (a * x + b - ys[i]!) ** 2);
  return ss.mean(squared);
}
