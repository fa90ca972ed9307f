/**
 * GradBench's lse objective in TensorFlow.js, for comparison with the generated gradient: it
 * stands in for the generated module, exporting `logsumexpGrad` with the same parameters and
 * result. The benchmark loads it only when `@tensorflow/tfjs` is installed. TensorFlow.js
 * computes in float32, so the input is converted on every call (part of the cost of using it from
 * float64 code) and the gradient agrees with the generated one to float32 precision.
 */
import * as tf from "@tensorflow/tfjs";

await tf.ready();

const valueAndGrad = tf.valueAndGrad((x) => tf.logSumExp(x));

export function logsumexpGrad(x) {
  const { value, grad } = tf.tidy(() => valueAndGrad(tf.tensor1d(Float32Array.from(x))));
  const result = { value: value.dataSync()[0], grad: { x: Float64Array.from(grad.dataSync()) } };
  tf.dispose([value, grad]);
  return result;
}
