/**
 * Hand-written adjoint of polyfit.ts: the residual's adjoint scales each power, which the
 * reverse sweep computes again by the same running product, in the order of the primal
 * (the coefficients' adjoints are sums, whose order does not matter). Nothing is stored.
 */
export function polyfitGrad(
  coefficients: Float64Array,
  ts: Float64Array,
  ys: Float64Array,
): { value: number; grad: { coefficients: Float64Array } } {
  const dcoefficients = new Float64Array(coefficients.length);
  let loss = 0;
  for (let i = 0; i < ts.length; i++) {
    let p = 0;
    let power = 1;
    for (let k = 0; k < coefficients.length; k++) {
      p += coefficients[k] * power;
      power *= ts[i];
    }
    const r = p - ys[i];
    loss += r * r;
    const dp = 2 * r;
    power = 1;
    for (let k = 0; k < coefficients.length; k++) {
      dcoefficients[k] += dp * power;
      power *= ts[i];
    }
  }
  return { value: loss, grad: { coefficients: dcoefficients } };
}
