/**
 * GradBench's llsq objective in TensorFlow.js, written the way GradBench's own tensorflow-js tool
 * writes it: a loop over the m coefficients, each step subtracting x_j times the current powers
 * t_i^j from the residuals and then raising the powers, so that tf.valueAndGrad records about 4m
 * tensor ops. `llsq.tfjs.mjs` is the same objective as one matrix-vector product, which suits
 * TensorFlow.js better; both are measured. Float32, as there.
 */
import * as tf from "@tensorflow/tfjs";
import { valueAndGradient } from "./tfjs-gradient.mjs";

export function llsqGrad(x, n) {
  const m = x.length;
  return valueAndGradient(() => (coefficients) => {
    const t = tf.range(0, n).mul(2 / (n - 1)).sub(1);
    let residuals = tf.sign(t);
    let powers = tf.onesLike(t);
    for (let j = 0; j < m; j++) {
      residuals = residuals.sub(powers.mul(coefficients.slice(j, 1)));
      powers = powers.mul(t);
    }
    return residuals.square().sum().mul(0.5);
  }, x);
}
