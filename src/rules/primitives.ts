/**
 * Every primitive the compiler knows, one entry each: its name in the IR, how many arguments it
 * takes, how it is written in TypeScript, what it computes, and its derivative. The names are the
 * `PrimitiveName` type, the primitives' share of the IR's opcodes (`Opcode`).
 *
 * A derivative is either `zero` (piecewise constant: the result never carries a derivative, so
 * activity analysis stops there) or a partial derivative with respect to argument `i`, written
 * in terms of the arguments `x` and the primal result `y` (ChainRules' Ω), using the algebra's
 * operations so the same rule builds IR and computes numbers. The reverse transform multiplies a
 * partial by the result's adjoint; rules know nothing of adjoints, regions or traversal.
 *
 * Non-differentiable points (documented in the README): |x|'(0) = 0; ties in min/max split the
 * adjoint evenly; sqrt'(0) = cbrt'(0) = Infinity; hypot' at the origin is 0; d/db a**b is 0 at
 * a = 0 and d/da a**b is 0 at b = 0 (as in JAX).
 *
 * `domains` are the argument boxes where the rule tests compare a rule with finite differences.
 */
import { at } from "../ir/access.js";
import { type Algebra, mathOf } from "./algebra.js";

export type Syntax =
  | { kind: "binary"; operator: string; precedence: number }
  | { kind: "prefix"; operator: string }
  | { kind: "call"; callee: string }
  | { kind: "conditional" };

export type Partial = <T>(m: Algebra<T>, x: T[], y: T, i: number) => T;

export type Derivative = { kind: "zero" } | { kind: "partials"; partial: Partial };

export interface Primitive {
  name: string;
  /** A number, or the least number of arguments of a variadic function. */
  arity: number | { atLeast: number };
  result: "number" | "boolean";
  /** What the operands must be: numbers (the default), booleans, two values of one type
   * (comparisons), or a boolean followed by numbers (`select`). */
  operands?: "booleans" | "comparable" | "condition-and-numbers";
  syntax: Syntax;
  evaluate: (...args: number[]) => number | boolean;
  derivative: Derivative;
  /** Argument ranges for the finite-difference tests; one box per list entry. */
  domains?: readonly (readonly (readonly [number, number])[])[];
}

/** JavaScript operator precedence, the levels the printer needs. */
export const Precedence = {
  conditional: 2,
  or: 3,
  and: 4,
  bitwiseOr: 5,
  equality: 8,
  relational: 9,
  additive: 11,
  multiplicative: 12,
  exponent: 13,
  prefix: 14,
} as const;

const zero: Derivative = { kind: "zero" };
const rule = (partial: Partial): Derivative => ({ kind: "partials", partial });

const binary = (operator: string, precedence: number): Syntax => ({ kind: "binary", operator, precedence });
const call = (callee: string): Syntax => ({ kind: "call", callee });

function mathFunction<const Name extends string>(
  name: Name,
  evaluate: (...args: number[]) => number,
  derivative: Derivative,
  domains?: Primitive["domains"],
  arity: Primitive["arity"] = 1,
): Primitive & { name: Name } {
  return { name, arity, result: "number", syntax: call(`Math.${name}`), evaluate, derivative, domains };
}

function comparison<const Name extends string>(
  name: Name,
  operator: string,
  precedence: number,
  evaluate: (a: number, b: number) => boolean,
): Primitive & { name: Name } {
  return {
    name,
    arity: 2,
    result: "boolean",
    operands: "comparable",
    syntax: binary(operator, precedence),
    evaluate,
    derivative: zero,
  };
}

/** d/dx_i of max or min: the tied arguments share the adjoint evenly. */
/**
 * Math.max (`larger`) and Math.min: the adjoint goes to the argument that is the result, split
 * evenly among tied ones. With two arguments the rule compares the arguments rather than
 * reading the result, so a running maximum `m = Math.max(m, x[i])` needs only the old `m`
 * stored, not the new one too.
 */
const extremumPartial =
  (larger: boolean): Partial =>
  (m, x, y, i) => {
    const f = mathOf(m);
    if (x.length === 2) {
      const [mine, other] = [at(x, i, "argument"), at(x, 1 - i, "argument")];
      const wins = larger ? f.gt(mine, other) : f.lt(mine, other);
      return f.select(f.eq(at(x, 0, "argument"), at(x, 1, "argument")), 0.5, f.select(wins, 1, 0));
    }
    const tiedCount = x.map((xj) => f.select(f.eq(xj, y), 1, 0)).reduce((sum, term) => f.add(sum, term));
    return f.select(f.eq(at(x, i, "argument"), y), f.div(1, tiedCount), 0);
  };

const positive = [[[0.1, 5]]] as const;
const unitInterval = [[[-0.9, 0.9]]] as const;
const bothSidesOfZero = [[[-3, -0.1]], [[0.1, 3]]] as const;

const table = [
  {
    name: "add",
    arity: 2,
    result: "number",
    syntax: binary("+", Precedence.additive),
    evaluate: (a, b) => a! + b!,
    derivative: rule((m) => m.num(1)),
  },
  {
    name: "sub",
    arity: 2,
    result: "number",
    syntax: binary("-", Precedence.additive),
    evaluate: (a, b) => a! - b!,
    derivative: rule((m, _x, _y, i) => m.num(i === 0 ? 1 : -1)),
  },
  {
    name: "mul",
    arity: 2,
    result: "number",
    syntax: binary("*", Precedence.multiplicative),
    evaluate: (a, b) => a! * b!,
    derivative: rule((_m, [a, b], _y, i) => (i === 0 ? b! : a!)),
  },
  {
    name: "div",
    arity: 2,
    result: "number",
    syntax: binary("/", Precedence.multiplicative),
    evaluate: (a, b) => a! / b!,
    derivative: rule((m, [, b], y, i) => {
      const f = mathOf(m);
      return i === 0 ? f.div(1, b!) : f.neg(f.div(y, b!));
    }),
    domains: [
      [
        [-3, 3],
        [0.5, 3],
      ],
    ],
  },
  {
    // a % b = a - b * trunc(a / b): slope 1 in a and -trunc(a / b) in b between the jumps.
    name: "mod",
    arity: 2,
    result: "number",
    syntax: binary("%", Precedence.multiplicative),
    evaluate: (a, b) => a! % b!,
    derivative: rule((m, [a, b], _y, i) => {
      const f = mathOf(m);
      return i === 0 ? m.num(1) : f.neg(f.trunc(f.div(a!, b!)));
    }),
    domains: [
      [
        [2.1, 2.9],
        [1, 1.04],
      ],
    ],
  },
  {
    name: "pow",
    arity: 2,
    result: "number",
    syntax: { kind: "binary", operator: "**", precedence: Precedence.exponent },
    evaluate: (a, b) => a! ** b!,
    derivative: rule((m, [a, b], y, i) => {
      const f = mathOf(m);
      return i === 0
        ? f.select(f.eq(b!, 0), 0, f.mul(b!, f.pow(a!, f.sub(b!, 1))))
        : f.select(f.eq(a!, 0), 0, f.mul(y, f.log(a!)));
    }),
    domains: [
      [
        [0.2, 3],
        [-2, 2],
      ],
    ],
  },
  {
    name: "neg",
    arity: 1,
    result: "number",
    syntax: { kind: "prefix", operator: "-" },
    evaluate: (a) => -a!,
    derivative: rule((m) => m.num(-1)),
  },
  mathFunction(
    "sin",
    Math.sin,
    rule((m, [a]) => mathOf(m).cos(a!)),
  ),
  mathFunction(
    "cos",
    Math.cos,
    rule((m, [a]) => mathOf(m).neg(mathOf(m).sin(a!))),
  ),
  mathFunction(
    "tan",
    Math.tan,
    rule((m, _x, y) => mathOf(m).add(1, mathOf(m).mul(y, y))),
    [[[-1.2, 1.2]]],
  ),
  mathFunction(
    "asin",
    Math.asin,
    rule((m, [a]) => {
      const f = mathOf(m);
      return f.div(1, f.sqrt(f.sub(1, f.mul(a!, a!))));
    }),
    unitInterval,
  ),
  mathFunction(
    "acos",
    Math.acos,
    rule((m, [a]) => {
      const f = mathOf(m);
      return f.neg(f.div(1, f.sqrt(f.sub(1, f.mul(a!, a!)))));
    }),
    unitInterval,
  ),
  mathFunction(
    "atan",
    Math.atan,
    rule((m, [a]) => {
      const f = mathOf(m);
      return f.div(1, f.add(1, f.mul(a!, a!)));
    }),
  ),
  mathFunction(
    "atan2",
    Math.atan2,
    rule((m, [a, b], _y, i) => {
      const f = mathOf(m);
      const squaredRadius = f.add(f.mul(a!, a!), f.mul(b!, b!));
      return i === 0 ? f.div(b!, squaredRadius) : f.neg(f.div(a!, squaredRadius));
    }),
    [
      [
        [-3, 3],
        [0.2, 3],
      ],
      [
        [0.2, 3],
        [-3, 3],
      ],
    ],
    2,
  ),
  mathFunction(
    "sinh",
    Math.sinh,
    rule((m, [a]) => mathOf(m).cosh(a!)),
  ),
  mathFunction(
    "cosh",
    Math.cosh,
    rule((m, [a]) => mathOf(m).sinh(a!)),
  ),
  mathFunction(
    "tanh",
    Math.tanh,
    rule((m, _x, y) => mathOf(m).sub(1, mathOf(m).mul(y, y))),
  ),
  mathFunction(
    "asinh",
    Math.asinh,
    rule((m, [a]) => mathOf(m).div(1, mathOf(m).hypot(a!, 1))),
  ),
  mathFunction(
    "acosh",
    Math.acosh,
    rule((m, [a]) => {
      const f = mathOf(m);
      return f.div(1, f.mul(f.sqrt(f.sub(a!, 1)), f.sqrt(f.add(a!, 1))));
    }),
    [[[1.1, 5]]],
  ),
  mathFunction(
    "atanh",
    Math.atanh,
    rule((m, [a]) => {
      const f = mathOf(m);
      return f.div(1, f.sub(1, f.mul(a!, a!)));
    }),
    unitInterval,
  ),
  mathFunction(
    "exp",
    Math.exp,
    rule((_m, _x, y) => y),
  ),
  mathFunction(
    "expm1",
    Math.expm1,
    rule((m, _x, y) => mathOf(m).add(y, 1)),
  ),
  mathFunction(
    "log",
    Math.log,
    rule((m, [a]) => mathOf(m).div(1, a!)),
    positive,
  ),
  mathFunction(
    "log1p",
    Math.log1p,
    rule((m, [a]) => mathOf(m).div(1, mathOf(m).add(1, a!))),
    [[[-0.9, 5]]],
  ),
  mathFunction(
    "log2",
    Math.log2,
    rule((m, [a]) => mathOf(m).div(1, mathOf(m).mul(a!, Math.LN2))),
    positive,
  ),
  mathFunction(
    "log10",
    Math.log10,
    rule((m, [a]) => mathOf(m).div(1, mathOf(m).mul(a!, Math.LN10))),
    positive,
  ),
  mathFunction(
    "sqrt",
    Math.sqrt,
    rule((m, _x, y) => mathOf(m).div(1, mathOf(m).mul(2, y))),
    positive,
  ),
  mathFunction(
    "cbrt",
    Math.cbrt,
    rule((m, _x, y) => {
      const f = mathOf(m);
      return f.div(1, f.mul(3, f.mul(y, y)));
    }),
    bothSidesOfZero,
  ),
  mathFunction(
    "hypot",
    Math.hypot,
    rule((m, x, y, i) => {
      const f = mathOf(m);
      return f.select(f.eq(y, 0), 0, f.div(at(x, i, "argument"), y));
    }),
    undefined,
    { atLeast: 1 },
  ),
  mathFunction(
    "abs",
    Math.abs,
    rule((m, [a]) => mathOf(m).sign(a!)),
    bothSidesOfZero,
  ),
  mathFunction("min", Math.min, rule(extremumPartial(false)), undefined, { atLeast: 1 }),
  mathFunction("max", Math.max, rule(extremumPartial(true)), undefined, { atLeast: 1 }),
  mathFunction("floor", Math.floor, zero),
  mathFunction("ceil", Math.ceil, zero),
  mathFunction("round", Math.round, zero),
  mathFunction("trunc", Math.trunc, zero),
  mathFunction("sign", Math.sign, zero),
  comparison("lt", "<", Precedence.relational, (a, b) => a < b),
  comparison("le", "<=", Precedence.relational, (a, b) => a <= b),
  comparison("gt", ">", Precedence.relational, (a, b) => a > b),
  comparison("ge", ">=", Precedence.relational, (a, b) => a >= b),
  comparison("eq", "===", Precedence.equality, (a, b) => a === b),
  comparison("ne", "!==", Precedence.equality, (a, b) => a !== b),
  {
    name: "and",
    arity: 2,
    result: "boolean",
    operands: "booleans",
    syntax: binary("&&", Precedence.and),
    evaluate: (a, b) => Boolean(a) && Boolean(b),
    derivative: zero,
  },
  {
    name: "or",
    arity: 2,
    result: "boolean",
    operands: "booleans",
    syntax: binary("||", Precedence.or),
    evaluate: (a, b) => Boolean(a) || Boolean(b),
    derivative: zero,
  },
  {
    // The union of two sets of at most 32 elements held as the bits of integers; generated code
    // finding a Jacobian's sparsity pattern uses it (see forward/pattern-writer.ts), sources do not.
    name: "bitOr",
    arity: 2,
    result: "number",
    syntax: binary("|", Precedence.bitwiseOr),
    evaluate: (a, b) => a! | b!,
    derivative: zero,
  },
  {
    name: "not",
    arity: 1,
    result: "boolean",
    operands: "booleans",
    syntax: { kind: "prefix", operator: "!" },
    evaluate: (a) => !a,
    derivative: zero,
  },
  {
    // A number used as a condition: JavaScript's truthiness (non-zero and not NaN).
    name: "truthy",
    arity: 1,
    result: "boolean",
    syntax: call("Boolean"),
    evaluate: (a) => Boolean(a),
    derivative: zero,
  },
  {
    // cond ? a : b with both sides already computed; adjoint code uses it for piecewise rules.
    name: "select",
    arity: 3,
    result: "number",
    operands: "condition-and-numbers",
    syntax: { kind: "conditional" },
    evaluate: (c, a, b) => (c ? a! : b!),
    // The condition is a boolean and carries no derivative.
    derivative: rule((m, [c], _y, i) => (i === 0 ? m.num(0) : mathOf(m).select(c!, i === 1 ? 1 : 0, i === 1 ? 0 : 1))),
  },
] as const satisfies readonly Primitive[];

/** The name of a primitive of the table: the opcode the IR knows it by. */
export type PrimitiveName = (typeof table)[number]["name"];

/** A primitive of the table, with its name as the IR's opcode. */
export type KnownPrimitive = Primitive & { readonly name: PrimitiveName };

export const primitives: ReadonlyMap<string, KnownPrimitive> = new Map(table.map((p) => [p.name, p]));

/** The primitive named `name` (any string: a rule names primitives by string), if there is one. */
export function primitive(name: string): KnownPrimitive | undefined {
  return primitives.get(name);
}

export function acceptsArity(p: Primitive, count: number): boolean {
  return typeof p.arity === "number" ? count === p.arity : count >= p.arity.atLeast;
}

/** The `Math` constants, by property name. */
export const mathConstants: ReadonlyMap<string, number> = new Map(
  (["E", "LN10", "LN2", "LOG10E", "LOG2E", "PI", "SQRT1_2", "SQRT2"] as const).map((name) => [name, Math[name]]),
);

/** `Math.LN2` for the value of Math.LN2, and so on: how rules' constants are printed. */
export function mathConstantText(value: number): string | undefined {
  for (const [name, constant] of mathConstants) if (constant === value) return `Math.${name}`;
  return undefined;
}
