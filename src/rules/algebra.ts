/**
 * The vocabulary derivative rules are written in. A rule builds its partial derivative with
 * these operations and never knows what they produce: the reverse transform passes an algebra
 * that builds IR, the rule tests pass one that computes numbers.
 */
export interface Algebra<T> {
  num(value: number): T;
  /** Any primitive of the table, by name: `m.apply("cos", x)`. */
  apply(primitive: string, ...args: T[]): T;
}

/** Shorthands so that rules read like the math they state. */
export function mathOf<T>(m: Algebra<T>) {
  const lift = (v: T | number): T => (typeof v === "number" ? m.num(v) : v);
  const binary =
    (name: string) =>
    (a: T | number, b: T | number): T =>
      m.apply(name, lift(a), lift(b));
  const unary =
    (name: string) =>
    (a: T | number): T =>
      m.apply(name, lift(a));
  return {
    add: binary("add"),
    sub: binary("sub"),
    mul: binary("mul"),
    div: binary("div"),
    pow: binary("pow"),
    eq: binary("eq"),
    gt: binary("gt"),
    lt: binary("lt"),
    neg: unary("neg"),
    sqrt: unary("sqrt"),
    sin: unary("sin"),
    cos: unary("cos"),
    sinh: unary("sinh"),
    cosh: unary("cosh"),
    log: unary("log"),
    sign: unary("sign"),
    trunc: unary("trunc"),
    hypot: binary("hypot"),
    select: (cond: T, a: T | number, b: T | number): T => m.apply("select", cond, lift(a), lift(b)),
  };
}

/** Evaluates rules on numbers: the algebra of the rule tests. */
export function numericAlgebra(evaluate: (primitive: string, args: number[]) => number): Algebra<number> {
  return {
    num: (value) => value,
    apply: (primitive, ...args) => evaluate(primitive, args),
  };
}
