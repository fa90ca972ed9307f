/**
 * GradBench's `lstm` eval (from ADBench): the loss of an l-layer LSTM with diagonal weight
 * matrices predicting each character of a sequence of c one-hot-like vectors of b values from
 * the previous one.
 *
 * mainParams has 2 l rows of 4 b values: for layer i, row 2i holds the weights and row 2i + 1
 * the biases of the forget, input, output and change gates, b values each. extraParams holds
 * the input weights, output weights and output biases (b values each). state has 2 l rows of b
 * values: the hidden state and the cell state of each layer. `objective` is the loss,
 * `jacobian` its gradient with respect to mainParams and extraParams, rows concatenated.
 */
import type { int } from "adjoint";

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** log(sum_i exp(x[i]) + 2): the reference's (sic) log-sum-exp. */
function logsumexp(x: Float64Array, size: int): number {
  let sum = 0;
  for (let i = 0; i < size; i++) {
    sum += Math.exp(x[i]);
  }
  sum += 2;
  return Math.log(sum);
}

/**
 * One layer of the model, updating its hidden state (state[hidden + i]) and cell state
 * (state[cell + i]) from the layer's input.
 */
function lstmModel(
  b: int,
  weight: Float64Array,
  bias: Float64Array,
  state: Float64Array,
  hidden: int,
  cell: int,
  input: Float64Array,
  inputOffset: int,
): void {
  for (let i = 0; i < b; i++) {
    const forget = sigmoid(input[inputOffset + i] * weight[i] + bias[i]);
    const ingate = sigmoid(state[hidden + i] * weight[b + i] + bias[b + i]);
    const outgate = sigmoid(input[inputOffset + i] * weight[2 * b + i] + bias[2 * b + i]);
    const change = Math.tanh(state[hidden + i] * weight[3 * b + i] + bias[3 * b + i]);
    state[cell + i] = state[cell + i] * forget + ingate * change;
    state[hidden + i] = outgate * Math.tanh(state[cell + i]);
  }
}

/** The prediction of the model for one input character, written into output. */
function lstmPredict(
  l: int,
  b: int,
  mainParams: Float64Array[],
  extraParams: Float64Array[],
  state: Float64Array,
  input: Float64Array,
  output: Float64Array,
): void {
  const inWeight = extraParams[0];
  const outWeight = extraParams[1];
  const outBias = extraParams[2];
  for (let i = 0; i < b; i++) {
    output[i] = input[i] * inWeight[i];
  }
  // the first layer reads output, each following layer the hidden state of the one before
  lstmModel(b, mainParams[0], mainParams[1], state, 0, b, output, 0);
  for (let layer = 1; layer < l; layer++) {
    lstmModel(b, mainParams[2 * layer], mainParams[2 * layer + 1], state, 2 * b * layer, 2 * b * layer + b, state, 2 * b * (layer - 1));
  }
  const last = 2 * b * (l - 1);
  for (let i = 0; i < b; i++) {
    output[i] = state[last + i] * outWeight[i] + outBias[i];
  }
}

/** @differentiable(wrt: mainParams, extraParams) */
export function lstmObjective(
  mainParams: Float64Array[],
  extraParams: Float64Array[],
  state: Float64Array[],
  sequence: Float64Array[],
): number {
  const l = mainParams.length / 2;
  const b = sequence[0].length;
  const c = sequence.length;
  // the state is updated as the sequence is read: work on a copy, one row after another
  const stateCopy = new Float64Array(2 * l * b);
  for (let row = 0; row < 2 * l; row++) {
    const stateRow = state[row];
    for (let i = 0; i < b; i++) {
      stateCopy[row * b + i] = stateRow[i];
    }
  }
  const ypred = new Float64Array(b);
  const ynorm = new Float64Array(b);
  let total = 0;
  let count = 0;
  for (let t = 0; t < c - 1; t++) {
    lstmPredict(l, b, mainParams, extraParams, stateCopy, sequence[t], ypred);
    const lse = logsumexp(ypred, b);
    for (let i = 0; i < b; i++) {
      ynorm[i] = ypred[i] - lse;
    }
    const ygold = sequence[t + 1];
    for (let i = 0; i < b; i++) {
      total += ygold[i] * ynorm[i];
    }
    count += b;
  }
  return -total / count;
}
