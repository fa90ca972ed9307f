import { combineMeans } from "simple-statistics";

/**
 * The reconciliation of combined-mean, with the derivative of the package's combineMeans
 * supplied by the user.
 * @differentiable(wrt: meanA, meanB)
 */
export function combinedMeanWithRule(meanA: number, meanB: number, sizeA: number, sizeB: number): number {
  return (combineMeans(meanA, sizeA, meanB, sizeB) - 4.2) ** 2;
}

/** @derivative combineMeans */
export function combineMeansVjp(
  mean1: number,
  n1: number,
  mean2: number,
  n2: number,
  cotangent: number,
): { mean1: number; n1: number; mean2: number; n2: number } {
  const n = n1 + n2;
  const combined = (mean1 * n1 + mean2 * n2) / n;
  return {
    mean1: (cotangent * n1) / n,
    n1: (cotangent * (mean1 - combined)) / n,
    mean2: (cotangent * n2) / n,
    n2: (cotangent * (mean2 - combined)) / n,
  };
}
