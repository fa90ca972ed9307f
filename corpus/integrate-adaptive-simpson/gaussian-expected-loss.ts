import integrate from "integrate-adaptive-simpson";

/**
 * The expected squared deviation of a noisy sensor (normal with mean mu, standard deviation
 * sigma) from a threshold, by integration over five standard deviations.
 * @differentiable
 */
export function gaussianExpectedLoss(mu: number, sigma: number): number {
  const density = (x: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  return integrate((x) => (x - 1) ** 2 * density(x), mu - 5 * sigma, mu + 5 * sigma, 1e-10);
}
