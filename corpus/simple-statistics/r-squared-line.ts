import * as ss from "simple-statistics";

/**
 * One minus R^2 of the line y = m x + b on the data points: a goodness of fit to maximize,
 * through the library's line and its coefficient of determination.
 * @differentiable(wrt: m, b)
 */
export function rSquaredLine(m: number, b: number, points: number[][]): number {
  const line = ss.linearRegressionLine({ m, b });
  return 1 - ss.rSquared(points, line);
}
