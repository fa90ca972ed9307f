/**
 * What the TensorFlow.js alternatives share: the value and gradient of an objective of one
 * vector, returned as the generated gradient returns them. The input is converted to float32
 * on every call (part of the cost of using TensorFlow.js from float64 code), and every tensor
 * made on the way is released.
 */
import * as tf from "@tensorflow/tfjs";

await tf.ready();

/**
 * `makeObjective` runs inside the same tf.tidy as the differentiation, so the constant tensors
 * it builds for the objective are released with the rest.
 */
export function valueAndGradient(makeObjective, x) {
  const { value, grad } = tf.tidy(() => tf.valueAndGrad(makeObjective())(tf.tensor1d(Float32Array.from(x))));
  const result = { value: value.dataSync()[0], grad: { x: Float64Array.from(grad.dataSync()) } };
  tf.dispose([value, grad]);
  return result;
}
