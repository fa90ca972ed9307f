/**
 * GradBench's lse objective in TensorFlow.js, for comparison with the generated gradient: it
 * stands in for the generated module, exporting `logsumexpGrad` with the same parameters and
 * result. The benchmark loads it only when `@tensorflow/tfjs` is installed. TensorFlow.js
 * computes in float32, so the gradient agrees with the generated one to float32 precision.
 */
import * as tf from "@tensorflow/tfjs";
import { valueAndGradient } from "./tfjs-gradient.mjs";

export function logsumexpGrad(x) {
  return valueAndGradient(() => (v) => tf.logSumExp(v), x);
}
