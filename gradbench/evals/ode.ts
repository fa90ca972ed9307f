/**
 * GradBench's `ode` eval (cmpad's an_ode): the ODE
 *
 *   y_0'(t) = x_0,   y_i'(t) = x_i y_{i-1}(t) for i > 0,   y(0) = 0,
 *
 * integrated from t = 0 to t = 2 with s steps of the classic fourth-order Runge-Kutta method.
 * `primal` is y(2); `gradient` is the gradient of its last element with respect to x.
 */
import type { int } from "adjoint";

/** The right-hand side z = f(x, y), written into z. */
function odeFun(n: int, x: Float64Array, y: Float64Array, z: Float64Array): void {
  z[0] = x[0];
  for (let i = 1; i < n; i++) {
    z[i] = x[i] * y[i - 1];
  }
}

/** @differentiable */
export function ode(x: Float64Array, s: int): Float64Array {
  const n = x.length;
  const tf = 2;
  const h = tf / s;
  const k1 = new Float64Array(n);
  const k2 = new Float64Array(n);
  const k3 = new Float64Array(n);
  const k4 = new Float64Array(n);
  const yTmp = new Float64Array(n);
  const y = new Float64Array(n);

  for (let step = 0; step < s; step++) {
    odeFun(n, x, y, k1);

    for (let i = 0; i < n; i++) {
      yTmp[i] = y[i] + (h * k1[i]) / 2;
    }
    odeFun(n, x, yTmp, k2);

    for (let i = 0; i < n; i++) {
      yTmp[i] = y[i] + (h * k2[i]) / 2;
    }
    odeFun(n, x, yTmp, k3);

    for (let i = 0; i < n; i++) {
      yTmp[i] = y[i] + h * k3[i];
    }
    odeFun(n, x, yTmp, k4);

    for (let i = 0; i < n; i++) {
      y[i] += (h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])) / 6;
    }
  }
  return y;
}
