/** The exported gradcheck: it passes a right gradient and names the worst entry of a wrong one. */
import { expect, test } from "vitest";
import { gradcheck, jvpcheck } from "../src/index.js";

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

interface Vec2 {
  x: number;
  y: number;
}

/** A rotation, returning an object, and its VJP written by hand. */
const rotate = (p: Vec2, angle: number): Vec2 => ({
  x: Math.cos(angle) * p.x - Math.sin(angle) * p.y,
  y: Math.sin(angle) * p.x + Math.cos(angle) * p.y,
});
const rotateVjp = (p: Vec2, angle: number, cotangent: Vec2) => {
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const value = rotate(p, angle);
  const dp = { x: c * cotangent.x + s * cotangent.y, y: -s * cotangent.x + c * cotangent.y };
  const dangle = -value.y * cotangent.x + value.x * cotangent.y;
  return { value, grad: { p: dp, angle: dangle } };
};

test("a VJP of a function returning an object is checked field by field against cotangent . f", () => {
  const args: [Vec2, number] = [{ x: 1, y: 2 }, 0.3];
  const right = gradcheck(rotate, rotateVjp, args, { cotangent: { x: 0.5, y: -1 } });
  expect(right).toMatchObject({ ok: true, valueMatches: true, argumentsUnchanged: true, checked: 3 });
  const wrong = (p: Vec2, angle: number, cotangent: Vec2) => {
    const result = rotateVjp(p, angle, cotangent);
    return { ...result, grad: { ...result.grad, p: { ...result.grad.p, y: 0 } } };
  };
  const result = gradcheck(rotate, wrong, args, { cotangent: { x: 0.5, y: -1 } });
  expect(result.ok).toBe(false);
  expect(result.worst).toMatchObject({ parameter: "p", index: ["y"], generated: 0 });
});

test("a gradient of the wrong shape fails, even when its numbers are right", () => {
  const short = (v: Float64Array) => {
    const { value, grad } = normGrad(v);
    return { value, grad: { v: grad.v.subarray(0, 2) } };
  };
  const result = gradcheck(norm, short, [Float64Array.from([3, -4, 12])]);
  expect(result).toMatchObject({ ok: false, shapeMatches: false });
  const strings = (p: Vec2, angle: number, cotangent: Vec2) => {
    const { value, grad } = rotateVjp(p, angle, cotangent);
    return { value, grad: { ...grad, p: { x: String(grad.p.x), y: grad.p.y } } };
  };
  expect(gradcheck(rotate, strings, [{ x: 1, y: 2 }, 0.3], { cotangent: { x: 1, y: 0 } }).shapeMatches).toBe(false);
});

const rosenbrockJvp = (x: number, y: number, tangents: { x: number; y: number }) => {
  const { value, grad } = rosenbrockGrad(x, y);
  return { value, tangent: grad.x * tangents.x + grad.y * tangents.y };
};

test("jvpcheck passes a right JVP and reports a wrong one against the derivative along the tangents", () => {
  const tangents = { x: 0.3, y: -1.1 };
  expect(jvpcheck(rosenbrock, rosenbrockJvp, [-1.2, 1], { tangents })).toMatchObject({
    ok: true,
    valueMatches: true,
    argumentsUnchanged: true,
  });
  const wrong = (x: number, y: number, t: { x: number; y: number }) => {
    const { value, tangent } = rosenbrockJvp(x, y, t);
    return { value, tangent: tangent + 0.01 };
  };
  const result = jvpcheck(rosenbrock, wrong, [-1.2, 1], { tangents });
  expect(result.ok).toBe(false);
  expect(result.worst!.numeric).toBeCloseTo(rosenbrockJvp(-1.2, 1, tangents).tangent, 6);
});

test("jvpcheck checks each number of an array result, and that tangents are left unchanged", () => {
  const scaled = (v: Float64Array, k: number) => v.map((e) => e * k);
  const scaledJvp = (v: Float64Array, k: number, t: { v: Float64Array; k: number }) => ({
    value: scaled(v, k),
    tangent: v.map((e, i) => t.v[i]! * k + e * t.k),
  });
  const args: [Float64Array, number] = [Float64Array.from([1, -2, 3]), 0.5];
  const tangents = { v: Float64Array.from([0.1, 0.2, -0.3]), k: 2 };
  expect(jvpcheck(scaled, scaledJvp, args, { tangents }).ok).toBe(true);
  const mutating = (v: Float64Array, k: number, t: { v: Float64Array; k: number }) => {
    t.v[0] = 0;
    return scaledJvp(v, k, t);
  };
  expect(jvpcheck(scaled, mutating, args, { tangents }).argumentsUnchanged).toBe(false);
});
