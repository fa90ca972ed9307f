import * as ss from "simple-statistics";

/**
 * One minus the correlation between a quadratic feature map c1 x + c2 x^2 and the targets:
 * maximizing correlation picks the feature's shape.
 * @differentiable(wrt: c1, c2)
 */
export function correlationFit(c1: number, c2: number, xs: number[], ys: number[]): number {
  const features = xs.map((x) => c1 * x + c2 * x * x);
  return 1 - ss.sampleCorrelation(features, ys);
}
