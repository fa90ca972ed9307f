/**
 * Hand-written adjoint of GradBench's ode objective (`ode` in gradbench/evals/ode.ts), for
 * comparison with the generated one: it stands in for the generated module, exporting `odeVjp`
 * with the same parameters and result.
 *
 * The forward sweep keeps each stage's input (y and the three intermediate points of every
 * step, as the generated VJP does). The reverse sweep runs each step's four stages backwards in
 * one loop over the elements, from the last: the adjoint of f(x, y)_i = x_i y_{i-1} sends
 * element i's adjoint to element i - 1, so each stage's adjoint of y at i is known once element
 * i + 1 is done, and passes down in a scalar.
 */

/** z = f(x, y). */
function odeFun(n: number, x: Float64Array, y: Float64Array, z: Float64Array): void {
  z[0] = x[0];
  for (let i = 1; i < n; i++) z[i] = x[i] * y[i - 1];
}

export function odeVjp(
  x: Float64Array,
  s: number,
  cotangent: Float64Array,
): { value: Float64Array; grad: { x: Float64Array } } {
  const n = x.length;
  const h = 2 / s;
  const [k1, k2, k3, k4] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  // each step's stage inputs: y, then y + h k1 / 2, y + h k2 / 2, y + h k3
  const [ys, ys1, ys2, ys3] = [new Float64Array(n * s), new Float64Array(n * s), new Float64Array(n * s), new Float64Array(n * s)];
  const y = new Float64Array(n);
  for (let step = 0; step < s; step++) {
    const at = step * n;
    const [y1, y2, y3] = [ys1.subarray(at, at + n), ys2.subarray(at, at + n), ys3.subarray(at, at + n)];
    ys.set(y, at);
    odeFun(n, x, y, k1);
    for (let i = 0; i < n; i++) y1[i] = y[i] + (h * k1[i]) / 2;
    odeFun(n, x, y1, k2);
    for (let i = 0; i < n; i++) y2[i] = y[i] + (h * k2[i]) / 2;
    odeFun(n, x, y2, k3);
    for (let i = 0; i < n; i++) y3[i] = y[i] + h * k3[i];
    odeFun(n, x, y3, k4);
    for (let i = 0; i < n; i++) y[i] += (h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])) / 6;
  }

  const xb = new Float64Array(n);
  const yb = Float64Array.from(cotangent);
  for (let step = s - 1; step >= 0; step--) {
    const at = step * n;
    // the adjoints of the four stages' y at element i, sent down from element i + 1
    let [from4, from3, from2, from1] = [0, 0, 0, 0];
    for (let i = n - 1; i >= 0; i--) {
      const ybi = yb[i];
      const dk4 = (h / 6) * ybi;
      const dk3 = (h / 3) * ybi + h * from4;
      const dk2 = (h / 3) * ybi + (h / 2) * from3;
      const dk1 = (h / 6) * ybi + (h / 2) * from2;
      yb[i] = ybi + from4 + from3 + from2 + from1;
      if (i === 0) {
        xb[0] += dk4 + dk3 + dk2 + dk1;
      } else {
        const before = at + i - 1;
        xb[i] += dk4 * ys3[before] + dk3 * ys2[before] + dk2 * ys1[before] + dk1 * ys[before];
        [from4, from3, from2, from1] = [dk4 * x[i], dk3 * x[i], dk2 * x[i], dk1 * x[i]];
      }
    }
  }
  return { value: y, grad: { x: xb } };
}
