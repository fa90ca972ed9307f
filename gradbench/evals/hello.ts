/**
 * GradBench's `hello` eval: `square` is x^2 and `double` its derivative, 2x.
 */

/** @differentiable */
export function square(x: number): number {
  return x * x;
}
