import * as ss from "simple-statistics";

/**
 * Squared error of a line fitted to standardized inputs: the features are centred and scaled
 * with the data's own mean and standard deviation, the slope and intercept are learned.
 * @differentiable(wrt: slope, intercept)
 */
export function standardizedRegression(slope: number, intercept: number, xs: number[], ys: number[]): number {
  const mean = ss.mean(xs);
  const sd = ss.standardDeviation(xs);
  let loss = 0;
  for (let i = 0; i < xs.length; i++) {
    const z = (xs[i]! - mean) / sd;
    const residual = slope * z + intercept - ys[i]!;
    loss += residual * residual;
  }
  return loss / xs.length;
}
