/**
 * Central finite differences with one Richardson step, for checking generated gradients and
 * derivative rules: truncation error O(h^4), so h can stay large enough (1e-3 relative) that
 * rounding does not dominate.
 */
export function centralDifference(f: (x: number) => number, x: number): number {
  const h = 1e-3 * Math.max(1, Math.abs(x));
  const at = (step: number) => (f(x + step) - f(x - step)) / (2 * step);
  return (4 * at(h / 2) - at(h)) / 3;
}

/** The partial derivative of `f` with respect to argument `index` at `args`. */
export function partialDerivative(f: (...args: number[]) => number, args: number[], index: number): number {
  return centralDifference((xi) => f(...args.map((a, j) => (j === index ? xi : a))), args[index]!);
}

/** |a - b| relative to the larger magnitude, with magnitudes below 1 treated as 1. */
export function relativeError(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}
