import { rootMeanSquare } from "simple-statistics";

/**
 * Root mean square error of an exponential decay model A e^(-k t) against measurements.
 * @differentiable(wrt: amplitude, rate)
 */
export function rootMeanSquareError(amplitude: number, rate: number, times: number[], values: number[]): number {
  const errors = times.map((t, i) => amplitude * Math.exp(-rate * t) - values[i]!);
  return rootMeanSquare(errors);
}
