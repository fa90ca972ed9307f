/**
 * The allocation-free form: a gradient function whose parameters include arrays takes an
 * optional trailing `out` object; arrays given there are zeroed, filled with the gradient and
 * returned, instead of new arrays being allocated.
 */
import { expect, test } from "vitest";
import { affineGrad } from "../fixtures/dot-product/input.grad.js";

const w = Float64Array.from([0.5, -1, 2]);
const x = Float64Array.from([1, 2, 3]);

test("without out, each call allocates new gradient arrays", () => {
  const first = affineGrad(w, x, 0.25);
  const second = affineGrad(w, x, 0.25);
  expect(first.grad.w).not.toBe(second.grad.w);
});

test("arrays given in out are overwritten and returned, with the same gradient", () => {
  const expected = affineGrad(w, x, 0.25);
  const out = { w: new Float64Array([7, 7, 7]), x: new Float64Array([-3, -3, -3]) };
  const { value, grad } = affineGrad(w, x, 0.25, out);
  expect(grad.w).toBe(out.w);
  expect(grad.x).toBe(out.x);
  expect(Array.from(grad.w)).toEqual(Array.from(expected.grad.w));
  expect(Array.from(grad.x)).toEqual(Array.from(expected.grad.x));
  expect(value).toBe(expected.value);
});

test("out may provide some of the arrays; the others are allocated", () => {
  const expected = affineGrad(w, x, 0.25);
  const out = { x: new Float64Array([5, 5, 5]) };
  const { grad } = affineGrad(w, x, 0.25, out);
  expect(grad.x).toBe(out.x);
  expect(Array.from(grad.x)).toEqual(Array.from(expected.grad.x));
  expect(grad.w).toBeInstanceOf(Float64Array);
  expect(Array.from(grad.w)).toEqual(Array.from(expected.grad.w));
});
