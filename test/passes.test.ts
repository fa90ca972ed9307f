/**
 * The storage passes against adjoints derived by hand, not only against finite differences: a
 * recomputed running index that is off by one, a re-read of an array that changed, or a stack
 * that lost elements when it grew would each put a derivative in the wrong place. Each reference
 * below is the textbook adjoint of its fixture function, written out loop by loop.
 */
import { describe, expect, test } from "vitest";
import { lowerTriangleFormGrad } from "../fixtures/growing-stacks/input.grad.js";
import { packedTriangleGrad, stridedIndexGrad } from "../fixtures/pass-induction-variables/input.grad.js";
import { lowerTriangleProductsGrad } from "../fixtures/pass-loop-invariants/input.grad.js";
import { filledThenReadGrad } from "../fixtures/pass-settled-reads/input.grad.js";
import { layeredRowsGrad, raggedTripleGrad } from "../fixtures/pass-reverse-rows/input.grad.js";
import { readBeforeWritingLoopGrad, sumOfSquaresGrad } from "../fixtures/pass-shared-values/input.grad.js";

const xs = Float64Array.from({ length: 9 }, (_, i) => Math.sin(1.3 * i + 0.4));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(
      1e-12 * Math.max(1, Math.abs(expected[i]!)),
    );
  }
}

describe("induction variables", () => {
  test("packedTriangle: the running index of a triangle, recomputed from the counters", () => {
    const n = 6;
    const packed = Float64Array.from({ length: (n * (n - 1)) / 2 }, (_, i) => 0.3 * Math.cos(i));
    const x = xs.slice(0, n);
    const dpacked = new Float64Array(packed.length);
    const dx = new Float64Array(n);
    let index = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const t = Math.tanh(packed[index]! * x[i]!);
        dx[j]! += t;
        const du = x[j]! * (1 - t * t);
        dpacked[index]! += du * x[i]!;
        dx[i]! += du * packed[index]!;
        index++;
      }
    }
    const { grad } = packedTriangleGrad(n, packed, x);
    expectClose(grad.packed, dpacked);
    expectClose(grad.x, dx);
  });

  test("stridedIndex: an index stepped by 3 in a loop counting down by 2", () => {
    const count = 2;
    const x = xs.slice(0, 3 * count + 1);
    // s_{m+1} = s_m + cos(x[k] s_m + x[k - 1]) with k = 1, 4, 7, ...
    const s = [0];
    for (let m = 0; m < count; m++) s.push(s[m]! + Math.cos(x[1 + 3 * m]! * s[m]! + x[3 * m]!));
    const dx = new Float64Array(x.length);
    let ds = 1;
    for (let m = count - 1; m >= 0; m--) {
      const k = 1 + 3 * m;
      const du = -Math.sin(x[k]! * s[m]! + x[k - 1]!) * ds;
      dx[k]! += du * s[m]!;
      dx[k - 1]! += du;
      ds += du * x[k]!;
    }
    expectClose(stridedIndexGrad(x, count).grad.x, dx);
  });
});

describe("settled reads", () => {
  test("filledThenRead: a table filled before the loop is read again in the reverse sweep", () => {
    const x = xs.slice(0, 5);
    const a = 0.7;
    const scaled = x.map((v) => Math.exp(a * v));
    const s = [0];
    for (let r = 0; r < 3; r++)
      for (let i = 0; i < x.length; i++) s.push(s.at(-1)! + Math.sin(scaled[i]! * s.at(-1)! + r));
    const dscaled = new Float64Array(x.length);
    let ds = 1;
    for (let r = 2; r >= 0; r--) {
      for (let i = x.length - 1; i >= 0; i--) {
        const before = s[r * x.length + i]!;
        const du = Math.cos(scaled[i]! * before + r) * ds;
        dscaled[i]! += du * before;
        ds += du * scaled[i]!;
      }
    }
    const dx = scaled.map((e, i) => dscaled[i]! * e * a);
    const da = x.reduce((sum, v, i) => sum + dscaled[i]! * scaled[i]! * v, 0);
    const { grad } = filledThenReadGrad(x, a);
    expectClose(grad.x, dx);
    expectClose([grad.a], [da]);
  });
});

describe("shared values and loop invariants", () => {
  test("sumOfSquares: x[i] read once for x[i] * x[i]", () => {
    const x = xs.slice(0, 5);
    const expected = x.map((v) => (Math.cos(v * v) * v * v + Math.sin(v * v)) * 2 * v);
    expectClose(sumOfSquaresGrad(x).grad.x, expected);
  });

  test("readBeforeWritingLoop: a read before a loop that writes the array is not shared with the loop's", () => {
    const x = xs.slice(0, 4);
    const y = 0.9;
    // state_0 = y; s = y^2 + sum_i sin(state_i x_i); state_{i+1} = state_i + x_i
    const state = [y];
    for (let i = 0; i < x.length; i++) state.push(state[i]! + x[i]!);
    const dx = new Float64Array(x.length);
    let dstate = 0;
    for (let i = x.length - 1; i >= 0; i--) {
      const c = Math.cos(state[i]! * x[i]!);
      dx[i]! += dstate + c * state[i]!;
      dstate += c * x[i]!;
    }
    const { grad } = readBeforeWritingLoopGrad(x, y);
    expectClose(grad.x, dx);
    expectClose([grad.y], [dstate + 2 * y]);
  });

  test("lowerTriangleProducts: x[i] moved out of the loop over j", () => {
    const n = 5;
    const x = xs.slice(0, n);
    const dx = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const c = Math.cos(x[i]! * x[j]!) * x[i]!;
        dx[i]! += Math.sin(x[i]! * x[j]!) + c * x[j]!;
        dx[j]! += c * x[i]!;
      }
    }
    expectClose(lowerTriangleProductsGrad(n, x).grad.x, dx);
  });
});

test("reverse rows: raggedTriple reads rows of r, t and their gradients once per k, an empty row included", () => {
  const r = [Float64Array.of(0.5, -1.2), new Float64Array(0), Float64Array.of(0.3, 0.8, -0.4)];
  const t = [Float64Array.of(1.1, 0.2), Float64Array.of(0.9), Float64Array.of(-0.7, 1.4)];
  // s = sum_k sum_m sum_j cos(r[k][m] t[k][j])
  const dr = r.map((row) => new Float64Array(row.length));
  const dt = t.map((row) => new Float64Array(row.length));
  for (let k = 0; k < r.length; k++) {
    for (let m = 0; m < r[k]!.length; m++) {
      for (let j = 0; j < t[k]!.length; j++) {
        const sine = Math.sin(r[k]![m]! * t[k]![j]!);
        dr[k]![m]! -= sine * t[k]![j]!;
        dt[k]![j]! -= sine * r[k]![m]!;
      }
    }
  }
  const { grad } = raggedTripleGrad(r, t);
  r.forEach((_, k) => {
    expectClose(grad.r[k]!, dr[k]!);
    expectClose(grad.t[k]!, dt[k]!);
  });
});

test("reverse rows: layeredRows reads rows 2 * layer, 2 * layer + 1 and 0 of w and dw once per layer, or once", () => {
  const layers = 2;
  const x = xs.slice(0, 3);
  const w = Array.from({ length: 2 * layers }, (_, r) => Float64Array.from(x, (_, j) => Math.cos(0.7 * r + 1.1 * j)));
  // s = sum_layer sum_j w[2 layer + 1][j] sin(w[2 layer][j] x[j]) + w[0][j] x[j]
  const dw = w.map((row) => new Float64Array(row.length));
  const dx = new Float64Array(x.length);
  for (let layer = 0; layer < layers; layer++) {
    const [weights, biases] = [w[2 * layer]!, w[2 * layer + 1]!];
    for (let j = 0; j < x.length; j++) {
      const c = biases[j]! * Math.cos(weights[j]! * x[j]!);
      dw[2 * layer + 1]![j]! += Math.sin(weights[j]! * x[j]!);
      dw[2 * layer]![j]! += c * x[j]!;
      dw[0]![j]! += x[j]!;
      dx[j]! += c * weights[j]! + w[0]![j]!;
    }
  }
  const { grad } = layeredRowsGrad(w, x, layers);
  w.forEach((_, r) => expectClose(grad.w[r]!, dw[r]!));
  expectClose(grad.x, dx);
});

test("growing stacks keep every element: a triangle of 91 products, past the first capacity of 64", () => {
  const n = 14;
  const lower = Float64Array.from({ length: (n * (n - 1)) / 2 }, (_, i) => 0.1 * i - 2);
  const x = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  const dlower = new Float64Array(lower.length);
  const dx = new Float64Array(n);
  let index = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      dlower[index]! += Math.cos(lower[index]!) * x[i]! * x[j]!;
      dx[i]! += Math.sin(lower[index]!) * x[j]!;
      dx[j]! += Math.sin(lower[index]!) * x[i]!;
      index++;
    }
  }
  const { grad } = lowerTriangleFormGrad(n, lower, x);
  expectClose(grad.lower, dlower);
  expectClose(grad.x, dx);
});
