/**
 * The analyses of the primal computed once for reverse mode: which values are integers (the
 * greatest fixpoint around loops), and the counted-loop formulas, checked against loops run.
 */
import { describe, expect, test } from "vitest";
import { type CountedLoop, lastCounterValue, tripCount } from "../src/analysis/counted-loops.js";
import { integerValues } from "../src/analysis/integers.js";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import type { IRFunction, Value } from "../src/ir/types.js";
import { numericAlgebra } from "../src/rules/algebra.js";
import { primitive } from "../src/rules/primitives.js";

const numbers = numericAlgebra((name, args) => primitive(name)!.evaluate(...args) as number);

describe("integer analysis", () => {
  // f(n: int, x): for (i = 0; i < n; i++) { k = k + 1; s = s + 0.5; t = t * x }, then i-free
  // values from them: k, and k * n, are integers; s, t and anything from x are not.
  const values = new ValueFactory();
  const n = values.value("number", "n");
  const x = values.value("number", "x");
  const body = emptyRegion();
  const b = new Builder(values, body);
  const zero = b.constant(0);
  const one = b.constant(1);
  const half = b.constant(0.5);
  const [i, k, s, t] = ["i", "k", "s", "t"].map((name) => values.value("number", name)) as [Value, Value, Value, Value];
  const loopBody = emptyRegion([i, k, s, t]);
  const [k1, s1, t1] = b.inRegion(loopBody, () => [
    b.emit("add", [k, one], "number"),
    b.emit("add", [s, half], "number"),
    b.emit("mul", [t, x], "number"),
  ]);
  loopBody.yields = [k1!, s1!, t1!];
  const loop = b.op({
    opcode: "for",
    operands: [zero, n, one, zero, zero, one],
    results: [{ type: "number" }, { type: "number" }, { type: "number" }],
    regions: [loopBody],
    attrs: { comparison: "lt" },
  });
  const [kAfter, sAfter, tAfter] = loop.results as [Value, Value, Value];
  const kn = b.emit("mul", [kAfter, n], "number");
  const kx = b.emit("add", [kAfter, x], "number");
  body.yields = [kn];
  const fn: IRFunction = {
    name: "f",
    params: [
      { value: n, typeText: "number", differentiated: false, integer: true },
      { value: x, typeText: "number", differentiated: true },
    ],
    body,
    loc: { file: "f.ts", line: 1, column: 1, statement: "" },
  };
  const integers = integerValues(fn);

  test("int parameters, integer literals, counters and values carried by adding integers", () => {
    for (const value of [n, zero, one, i, k, k1, kAfter, kn]) expect(integers.has(value)).toBe(true);
  });

  test("not what depends on a fraction or a number parameter, around the loop too", () => {
    for (const value of [x, half, s, s1, sAfter, t, t1, tAfter, kx]) expect(integers.has(value)).toBe(false);
  });
});

describe("counted-loop formulas", () => {
  /** The counter values `for (i = start; i <comparison> bound; i += step)` runs through. */
  function run(start: number, bound: number, step: number, inclusive: boolean): number[] {
    const counters: number[] = [];
    const going = (i: number) => (step > 0 ? (inclusive ? i <= bound : i < bound) : inclusive ? i >= bound : i > bound);
    for (let i = start; going(i); i += step) counters.push(i);
    return counters;
  }

  const cases: [number, number, number][] = [];
  for (const start of [0, 1, 2.5, -3])
    for (const bound of [0, 1, 4, 7.25, -2]) for (const step of [1, 2, 0.5, -1, -3]) cases.push([start, bound, step]);

  test.each([false, true])("trip count and last counter value match running the loop (inclusive: %s)", (inclusive) => {
    for (const [start, bound, step] of cases) {
      const integral = Number.isInteger(start) && Number.isInteger(bound);
      const loop: CountedLoop = { step, inclusive, unitSteps: Math.abs(step) === 1 && integral, countsLength: false };
      const counters = run(start, bound, step, inclusive);
      expect(tripCount(numbers, loop, start, bound), `${start}, ${bound}, ${step}`).toBe(counters.length);
      if (counters.length > 0)
        expect(lastCounterValue(numbers, loop, start, bound, step), `${start}, ${bound}, ${step}`).toBe(
          counters.at(-1),
        );
    }
  });
});
