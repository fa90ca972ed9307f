/**
 * A `throw` stays in the forward sweep: the gradient throws the error the function throws, at
 * the same inputs (the fixture's points check the inputs where neither throws).
 */
import { expect, test } from "vitest";
import { checkedSqrt } from "../fixtures/number-builtins/input.js";
import { checkedSqrtGrad } from "../fixtures/number-builtins/input.grad.js";
import { packageInverse } from "../fixtures/null-returns/input.js";
import { packageInverseGrad } from "../fixtures/null-returns/input.grad.js";
import { weighted } from "../fixtures/undefined-result-destructured/input.js";
import { weightedGrad } from "../fixtures/undefined-result-destructured/input.grad.js";

test.each([
  [Number.NaN, RangeError, "x must be finite, got NaN"],
  [Infinity, RangeError, "x must be finite, got Infinity"],
  [-2, Error, "x must not be negative"],
])("at x = %s the gradient throws what the function throws", (x, errorClass, message) => {
  expect(() => checkedSqrt(x, 2)).toThrow(errorClass);
  expect(() => checkedSqrt(x, 2)).toThrow(message);
  expect(() => checkedSqrtGrad(x, 2)).toThrow(errorClass);
  expect(() => checkedSqrtGrad(x, 2)).toThrow(message);
});

test("where a function destructures an undefined result, the gradient throws a TypeError as it does", () => {
  // Math.floor(-0.5) % 3 is -1: no case of the switch returns, the function returns undefined.
  expect(() => weighted(-0.5)).toThrow(TypeError);
  expect(() => weightedGrad(-0.5)).toThrow(TypeError);
});

test("where a package function returns null and its result is read, the gradient throws a TypeError as it does", () => {
  // mat2.fromValues(1, 2, 1, 2), the matrix of a = 1, b = 2, is singular: mat2.invert returns null.
  expect(() => packageInverse(1, 2)).toThrow(TypeError);
  expect(() => packageInverseGrad(1, 2)).toThrow(TypeError);
});
