import * as ss from "simple-statistics";

/**
 * Negative log-likelihood of the data under a normal distribution with mean `mu` and standard
 * deviation exp(logSigma), through the library's z-scores and sum.
 * @differentiable(wrt: mu, logSigma)
 */
export function gaussianNegativeLogLikelihood(mu: number, logSigma: number, data: number[]): number {
  const sigma = Math.exp(logSigma);
  const terms = data.map((x) => 0.5 * ss.zScore(x, mu, sigma) ** 2 + logSigma);
  return ss.sum(terms) + 0.5 * data.length * Math.log(2 * Math.PI);
}
