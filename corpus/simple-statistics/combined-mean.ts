import { combineMeans } from "simple-statistics";

/**
 * The mean of two groups combined, from the groups' means and sizes, against a reported overall
 * mean: reconciling survey statistics.
 * @differentiable(wrt: meanA, meanB)
 */
export function combinedMean(meanA: number, meanB: number, sizeA: number, sizeB: number): number {
  return (combineMeans(meanA, sizeA, meanB, sizeB) - 4.2) ** 2;
}
