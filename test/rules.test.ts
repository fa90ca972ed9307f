/**
 * The derivative rules of the primitive table, checked on numbers: every `partials` rule must
 * agree with central finite differences of the primitive's own `evaluate` inside its domains,
 * every `zero` rule must belong to a piecewise-constant or boolean-valued primitive, and the
 * conventions at non-differentiable points must hold exactly.
 */
import { describe, expect, test } from "vitest";
import { numericAlgebra } from "../src/rules/algebra.js";
import { type Primitive, primitives } from "../src/rules/primitives.js";
import { partialDerivative, relativeError } from "./support/finite-differences.js";
import { mulberry32 } from "./support/random.js";

/**
 * Every primitive, by how its derivative is tested here. A primitive added to the table without
 * being listed makes the coverage test fail, so that its rule gets looked at.
 */
const differentiable = [
  "add",
  "sub",
  "mul",
  "div",
  "mod",
  "pow",
  "neg",
  "sin",
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "atan2",
  "sinh",
  "cosh",
  "tanh",
  "asinh",
  "acosh",
  "atanh",
  "exp",
  "expm1",
  "log",
  "log1p",
  "log2",
  "log10",
  "sqrt",
  "cbrt",
  "hypot",
  "abs",
  "min",
  "max",
  "select",
];
const piecewiseConstant = ["floor", "ceil", "round", "trunc", "sign"];
/** Integer operations of generated code alone (a sparsity pattern's set unions). */
const bitwise = ["bitOr"];
const booleanValued = ["lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not", "truthy"];

const TOLERANCE = 1e-6;
const SAMPLES_PER_BOX = 8;
const DEFAULT_INTERVAL = [-3, 3] as const;

const numbers = numericAlgebra((name, args) => Number(primitives.get(name)!.evaluate(...args)));

function lookup(name: string): Primitive {
  const p = primitives.get(name);
  if (!p) throw new Error(`no primitive '${name}'`);
  return p;
}

function evaluate(p: Primitive, args: number[]): number {
  return Number(p.evaluate(...args));
}

/** The rule's partial derivative with respect to argument `i` at `args`. */
function rulePartial(name: string, args: number[], i: number): number {
  const p = lookup(name);
  if (p.derivative.kind !== "partials") throw new Error(`'${name}' has no partials`);
  return p.derivative.partial(numbers, args, evaluate(p, args), i);
}

/** FNV-1a, to derive a seed from a test's name. */
function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return hash >>> 0;
}

/** The argument counts a primitive is tested at: its arity, or 1 to 3 arguments if variadic. */
function argumentCounts(p: Primitive): number[] {
  return typeof p.arity === "number"
    ? [p.arity]
    : [1, 2, 3].filter((n) => n >= (p.arity as { atLeast: number }).atLeast);
}

type Interval = readonly [number, number];

/** The boxes to sample from: the primitive's domains, or [-3, 3] for every argument. */
function boxes(p: Primitive, count: number): Interval[][] {
  const given = p.domains ?? [[]];
  return given.map((box) => Array.from({ length: count }, (_, j) => box[j] ?? box[box.length - 1] ?? DEFAULT_INTERVAL));
}

/** The select condition is a boolean: it is sampled as true or false and not differentiated. */
const isCondition = (p: Primitive, i: number) => p.name === "select" && i === 0;

/**
 * False near the points where a primitive is not differentiable inside its domain, so that a
 * finite-difference step (at most 3e-3 here) never crosses one.
 */
function smoothAt(name: string, args: number[]): boolean {
  const margin = 0.05;
  switch (name) {
    case "min":
    case "max":
      return args.every((a, j) => args.every((b, k) => j === k || Math.abs(a - b) >= margin));
    case "hypot":
      return Math.hypot(...args) >= margin;
    default:
      return true;
  }
}

/** `count` deterministic points inside `box` where `name` is smooth. */
function samplePoints(p: Primitive, box: Interval[], seed: string): number[][] {
  const random = mulberry32(seedOf(seed));
  const points: number[][] = [];
  for (let attempt = 0; points.length < SAMPLES_PER_BOX; attempt++) {
    if (attempt > 1000) throw new Error(`no smooth sample point found for ${seed}`);
    const point = box.map(([low, high], j) => (isCondition(p, j) ? points.length % 2 : low + (high - low) * random()));
    if (smoothAt(p.name, point)) points.push(point);
  }
  return points;
}

describe("coverage", () => {
  test("every primitive of the table is covered by exactly one list here", () => {
    const listed = [...differentiable, ...piecewiseConstant, ...bitwise, ...booleanValued];
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...primitives.keys()].sort());
  });

  test("the lists agree with the table's derivative kinds and result types", () => {
    for (const name of differentiable) expect(lookup(name).derivative.kind, name).toBe("partials");
    for (const name of [...piecewiseConstant, ...bitwise]) {
      expect(lookup(name).derivative.kind, name).toBe("zero");
      expect(lookup(name).result, name).toBe("number");
    }
    for (const name of booleanValued) {
      expect(lookup(name).derivative.kind, name).toBe("zero");
      expect(lookup(name).result, name).toBe("boolean");
    }
  });
});

describe("partial derivatives agree with finite differences", () => {
  const cases = differentiable.flatMap((name) => argumentCounts(lookup(name)).map((count) => ({ name, count })));

  test.each(cases)("$name with $count argument(s)", ({ name, count }) => {
    const p = lookup(name);
    const f = (...args: number[]) => evaluate(p, args);
    const mismatches: string[] = [];
    let compared = 0;
    boxes(p, count).forEach((box, b) => {
      for (const point of samplePoints(p, box, `${name}/${count}/${b}`)) {
        for (let i = 0; i < count; i++) {
          if (isCondition(p, i)) continue;
          const expected = partialDerivative(f, point, i);
          const actual = rulePartial(name, point, i);
          compared++;
          if (!(relativeError(actual, expected) <= TOLERANCE)) {
            mismatches.push(`d/dx${i} ${name}(${point.join(", ")}): rule ${actual}, finite difference ${expected}`);
          }
        }
      }
    });
    expect(compared).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });
});

describe("zero derivatives", () => {
  /** At least 0.05 away from every multiple of 0.5, where rounding functions and sign jump. */
  const awayFromJumps = (x: number) => Math.abs(x * 2 - Math.round(x * 2)) >= 0.1;

  test.each(piecewiseConstant)("%s is piecewise constant at sample points", (name) => {
    const p = lookup(name);
    expect(p.arity).toBe(1);
    const random = mulberry32(seedOf(name));
    const f = (x: number) => evaluate(p, [x]);
    let checked = 0;
    while (checked < 32) {
      const x = -3 + 6 * random();
      if (!awayFromJumps(x)) continue;
      expect(partialDerivative(f, [x], 0), `${name}'(${x})`).toBe(0);
      checked++;
    }
  });

  test.each(booleanValued)("%s is boolean-valued", (name) => {
    const p = lookup(name);
    const count = typeof p.arity === "number" ? p.arity : p.arity.atLeast;
    const random = mulberry32(seedOf(name));
    const samples = [
      Array.from({ length: count }, () => 0),
      Array.from({ length: count }, () => 1),
      ...Array.from({ length: 16 }, () => Array.from({ length: count }, () => Math.round(-3 + 6 * random()))),
    ];
    for (const args of samples) expect(typeof p.evaluate(...args), `${name}(${args.join(", ")})`).toBe("boolean");
  });
});

describe("conventions at non-differentiable points", () => {
  test("abs'(0) = 0", () => {
    expect(rulePartial("abs", [0], 0)).toBe(0);
  });

  test.each(["max", "min"])("%s splits the adjoint evenly between tied arguments", (name) => {
    expect([0, 1].map((i) => rulePartial(name, [1.5, 1.5], i))).toEqual([0.5, 0.5]);
    expect([0, 1, 2].map((i) => rulePartial(name, [-2, -2, -2], i))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    // Two tied at the extremum, the third elsewhere: the third gets nothing.
    const other = name === "max" ? -1 : 4;
    expect([0, 1, 2].map((i) => rulePartial(name, [2, other, 2], i))).toEqual([0.5, 0, 0.5]);
  });

  test.each(["max", "min"])("%s of two arguments gives the whole adjoint to the extremum, none through NaN", (name) => {
    const [small, large] = [-0.25, 3];
    const winner = name === "max" ? [0, 1] : [1, 0];
    expect([0, 1].map((i) => rulePartial(name, [small, large], i))).toEqual(winner);
    expect([0, 1].map((i) => rulePartial(name, [large, small], i))).toEqual([...winner].reverse());
    // Math.max(-0, 0) and Math.min(-0, 0) are ties: -0 === 0.
    expect([0, 1].map((i) => rulePartial(name, [-0, 0], i))).toEqual([0.5, 0.5]);
    // The result is NaN: no argument is the extremum.
    expect([0, 1].map((i) => rulePartial(name, [NaN, 1], i))).toEqual([0, 0]);
  });

  test("sqrt'(0) = Infinity", () => {
    expect(rulePartial("sqrt", [0], 0)).toBe(Infinity);
  });

  test("cbrt'(0) = Infinity", () => {
    expect(rulePartial("cbrt", [0], 0)).toBe(Infinity);
  });

  test("hypot's partials are 0 at the origin", () => {
    for (const count of [1, 2, 3]) {
      const origin = Array.from({ length: count }, () => 0);
      for (let i = 0; i < count; i++) expect(rulePartial("hypot", origin, i), `${count} arguments, d/dx${i}`).toBe(0);
    }
  });

  test("d/db a**b = 0 at a = 0", () => {
    for (const b of [0.5, 1, 2, 3]) expect(rulePartial("pow", [0, b], 1), `b = ${b}`).toBe(0);
  });

  test("d/da a**b = 0 at b = 0", () => {
    for (const a of [0, 0.5, 2, -3]) expect(rulePartial("pow", [a, 0], 0), `a = ${a}`).toBe(0);
  });
});
