/** The exported gradcheck: it passes a right gradient and names the worst entry of a wrong one. */
import { expect, test } from "vitest";
import { gradcheck } from "../src/index.js";

function rosenbrock(x: number, y: number): number {
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
}
const rosenbrockGrad = (x: number, y: number) => ({
  value: rosenbrock(x, y),
  grad: { x: -2 * (1 - x) - 400 * x * (y - x * x), y: 200 * (y - x * x) },
});

const norm = (v: Float64Array) => Math.hypot(...v);
const normGrad = (v: Float64Array) => {
  const value = norm(v);
  return { value, grad: { v: v.map((e) => e / value) } };
};

test("a right gradient passes, with every entry checked", () => {
  const result = gradcheck(rosenbrock, rosenbrockGrad, [-1.2, 1]);
  expect(result).toMatchObject({ ok: true, valueMatches: true, argumentsUnchanged: true, checked: 2 });
  expect(gradcheck(norm, normGrad, [Float64Array.from([3, -4, 12])]).ok).toBe(true);
});

test("a wrong entry is reported as the worst, with its index", () => {
  const wrong = (v: Float64Array) => {
    const { value, grad } = normGrad(v);
    grad.v[1] = 0;
    return { value, grad };
  };
  const result = gradcheck(norm, wrong, [Float64Array.from([3, -4, 12])]);
  expect(result.ok).toBe(false);
  expect(result.worst).toMatchObject({ parameter: "v", index: [1], generated: 0 });
  expect(result.worst!.numeric).toBeCloseTo(-4 / 13, 8);
});

test("a gradient that changes its arguments or its value fails", () => {
  const mutating = (v: Float64Array) => {
    v[0] = 0;
    return normGrad(v);
  };
  expect(gradcheck(norm, mutating, [Float64Array.from([3, -4, 12])]).argumentsUnchanged).toBe(false);
  const offValue = (x: number, y: number) => ({ ...rosenbrockGrad(x, y), value: 0 });
  expect(gradcheck(rosenbrock, offValue, [-1.2, 1]).valueMatches).toBe(false);
});
