import * as ss from "simple-statistics";

/**
 * Negative density at x of a Gaussian kernel density estimate of the data with bandwidth h:
 * gradient descent on it finds a mode of the distribution (mean shift).
 * @differentiable(wrt: x)
 */
export function kernelDensityMode(x: number, h: number, data: number[]): number {
  const density = ss.kernelDensityEstimation(data, "gaussian", h);
  return -density(x);
}
