/** Finite differences for the rule tests, from the package's own gradcheck module. */
import { centralDifference } from "../../src/gradcheck.js";

export { centralDifference, relativeError } from "../../src/gradcheck.js";

/** The partial derivative of `f` with respect to argument `index` at `args`. */
export function partialDerivative(f: (...args: number[]) => number, args: number[], index: number): number {
  return centralDifference((xi) => f(...args.map((a, j) => (j === index ? xi : a))), args[index]!);
}
