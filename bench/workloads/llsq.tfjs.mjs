/**
 * GradBench's llsq objective in TensorFlow.js, for comparison with the generated gradient: it
 * stands in for the generated module, exporting `llsqGrad` with the same parameters and result.
 * The benchmark loads it only when `@tensorflow/tfjs` is installed. As in the objective, the
 * sample points t_i = -1 + 2 i / (n - 1) and their powers t_i^j are computed on every call, here
 * as an n x m matrix T, and y(x) = 1/2 |sign(t) - T x|^2. TensorFlow.js computes in float32, so
 * the gradient agrees with the generated one to float32 precision.
 */
import * as tf from "@tensorflow/tfjs";
import { valueAndGradient } from "./tfjs-gradient.mjs";

export function llsqGrad(x, n) {
  const m = x.length;
  return valueAndGradient(() => {
    const t = tf.linspace(-1, 1, n);
    const powers = tf.pow(t.reshape([n, 1]), tf.range(0, m).reshape([1, m]));
    const sign = tf.sign(t);
    return (coefficients) =>
      tf.sub(sign, tf.matMul(powers, coefficients.reshape([m, 1])).reshape([n])).square().sum().mul(0.5);
  }, x);
}
