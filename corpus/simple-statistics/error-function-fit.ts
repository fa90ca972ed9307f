import * as ss from "simple-statistics";

/**
 * Fits the cumulative curve 1/2 (1 + erf((x - mu) / (s sqrt 2))) to observed fractions of a
 * dose-response experiment, with the library's error function.
 * @differentiable(wrt: mu, s)
 */
export function errorFunctionFit(mu: number, s: number, doses: number[], fractions: number[]): number {
  let loss = 0;
  for (let i = 0; i < doses.length; i++) {
    const predicted = 0.5 * (1 + ss.errorFunction((doses[i]! - mu) / (s * Math.SQRT2)));
    loss += (predicted - fractions[i]!) ** 2;
  }
  return loss;
}
