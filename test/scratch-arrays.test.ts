/**
 * Scratch arrays kept between calls: a gradient function keeps its stacks, the adjoints of its
 * own arrays and those arrays themselves in a module-level variable and reuses them in the next
 * call. A kept adjoint that was not zeroed, a stack reused at the wrong size, a recursive call
 * sharing its caller's arrays or a returned array kept would each change a later result.
 */
import { expect, test } from "vitest";
import { renormaliseGrad } from "../fixtures/do-while/input.grad.js";
import { softPeakOfWalkGrad } from "../fixtures/prefix-sums/input.grad.js";
import { minorDeterminantGrad } from "../fixtures/recursion/input.grad.js";
import { softmaxVjp } from "../fixtures/vector-valued/input.grad.js";

const walk = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.3));

function plain(result: { value: number; grad: { steps: number[]; start: number; scale: number } }) {
  return { value: result.value, steps: [...result.grad.steps], start: result.grad.start, scale: result.grad.scale };
}

test("the same call twice gives the same gradient, bit for bit: kept adjoints are zeroed", () => {
  // renormalise copies v (u = v.slice()), and the copy's adjoint is added into dv without being
  // zeroed: kept from the last call without zeroing, it would add the last call's gradient
  const v = Float64Array.from([1, 2, 2]);
  const weights = Float64Array.from([0.5, -1, 2]);
  const first = Array.from(renormaliseGrad(v, weights).grad.v);
  expect(Array.from(renormaliseGrad(v, weights).grad.v)).toEqual(first);
});

test("calls of several sizes in turn each get their own gradient: kept arrays are reused only at their size", () => {
  // softPeakOfWalk = scale log(sum_i exp(level_i / scale)), level_i = start + steps[0] + ... + steps[i - 1]
  const expected = (steps: number[], start: number, scale: number) => {
    const levels = [start];
    for (const step of steps) levels.push(levels.at(-1)! + step);
    const sum = levels.reduce((s, level) => s + Math.exp(level / scale), 0);
    const weights = levels.map((level) => Math.exp(level / scale) / sum);
    return {
      value: scale * Math.log(sum),
      steps: steps.map((_, j) => weights.slice(j + 1).reduce((s, w) => s + w, 0)),
      start: 1,
      scale: Math.log(sum) - weights.reduce((s, w, i) => s + (w * levels[i]!) / scale, 0),
    };
  };
  for (const [n, start, scale] of [
    [4, -0.2, 0.8],
    [9, 1.1, 2.5],
    [2, 0.7, 0.5],
    [4, -0.2, 0.8],
    [9, 0.3, 1.5],
  ] as const) {
    const actual = plain(softPeakOfWalkGrad(walk(n), start, scale));
    const reference = expected(walk(n), start, scale);
    expect(actual.value).toBeCloseTo(reference.value, 12);
    expect(actual.start).toBeCloseTo(reference.start, 12);
    expect(actual.scale).toBeCloseTo(reference.scale, 12);
    actual.steps.forEach((g, j) => expect(g, `n = ${n}, steps[${j}]`).toBeCloseTo(reference.steps[j]!, 12));
  }
});

test("a gradient that calls itself (a determinant by minors) keeps each call's arrays apart", () => {
  // the gradient of det(A) is the cofactor matrix of A
  const a = Float64Array.from([2, -1, 0.5, 0.3, 1.5, -2, 1, 0.25, 3]);
  const cofactor = (r: number, c: number) => {
    const [r1, r2] = [0, 1, 2].filter((i) => i !== r) as [number, number];
    const [c1, c2] = [0, 1, 2].filter((j) => j !== c) as [number, number];
    const minor = a[3 * r1 + c1]! * a[3 * r2 + c2]! - a[3 * r1 + c2]! * a[3 * r2 + c1]!;
    return (r + c) % 2 === 0 ? minor : -minor;
  };
  const expected = Array.from({ length: 9 }, (_, i) => cofactor(Math.floor(i / 3), i % 3));
  for (let call = 0; call < 2; call++) {
    const { grad } = minorDeterminantGrad(a, 3, 0, 7);
    Array.from(grad.a).forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 12));
  }
});

test("a returned array is the call's own: the next call leaves it as it was", () => {
  const cotangent = Float64Array.from([1, 0, 0]);
  const first = softmaxVjp(Float64Array.from([0.5, -1, 2]), cotangent).value;
  const copy = Array.from(first);
  const second = softmaxVjp(Float64Array.from([3, 0.25, -0.5]), cotangent).value;
  expect(second).not.toBe(first);
  expect(Array.from(first)).toEqual(copy);
});
