/**
 * A `throw` stays in the forward sweep: the gradient throws the error the function throws, at
 * the same inputs (the fixture's points check the inputs where neither throws).
 */
import { expect, test } from "vitest";
import { checkedSqrt } from "../fixtures/number-builtins/input.js";
import { checkedSqrtGrad } from "../fixtures/number-builtins/input.grad.js";

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
