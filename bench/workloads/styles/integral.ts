/**
 * The squared error of a polynomial model against a target curve, integrated by the midpoint
 * rule, written twice: with a quadrature helper taking the integrand as a callback and a model
 * closure, as numerical code is usually written, and with one plain loop. The benchmark
 * compares the two generated gradients.
 */

function integrate(f: (x: number) => number, a: number, b: number, steps: number): number {
  const h = (b - a) / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += f(a + (i + 0.5) * h);
  return sum * h;
}

function polynomial(coefficients: Float64Array): (x: number) => number {
  return (x) => {
    let value = 0;
    for (let k = coefficients.length - 1; k >= 0; k--) value = value * x + coefficients[k];
    return value;
  };
}

/** @differentiable(wrt: coefficients) */
export function integralStructured(coefficients: Float64Array, steps: number): number {
  const model = polynomial(coefficients);
  return integrate((x) => (model(x) - Math.sin(x)) ** 2, 0, 3, steps);
}

/** @differentiable(wrt: coefficients) */
export function integralPlain(coefficients: Float64Array, steps: number): number {
  const h = 3 / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const x = (i + 0.5) * h;
    let value = 0;
    for (let k = coefficients.length - 1; k >= 0; k--) value = value * x + coefficients[k];
    const error = value - Math.sin(x);
    sum += error * error;
  }
  return sum * h;
}
