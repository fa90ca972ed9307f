import * as ss from "simple-statistics";

/**
 * Variance of a model's predictions w * x across inputs, against the variance of the targets: a
 * moment-matching loss.
 * @differentiable(wrt: w)
 */
export function predictionVariance(w: number, xs: number[], targetVariance: number): number {
  const predictions: number[] = [];
  for (const x of xs) predictions.push(w * x);
  return (ss.variance(predictions) - targetVariance) ** 2;
}
