/**
 * A least-squares fit of a polynomial, as users write one: each term's power of t kept in a
 * running product (`power *= t`) rather than recomputed with `Math.pow`.
 */

/** @differentiable(wrt: coefficients) */
export function polyfit(coefficients: Float64Array, ts: Float64Array, ys: Float64Array): number {
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
  }
  return loss;
}
