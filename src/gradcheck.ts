/**
 * `gradcheck`: compares a gradient with central finite differences of the function, for users'
 * own tests (and the project's). It runs the function many times; it is not for production code.
 */

/** Central difference with one Richardson step: truncation error O(h^4), so the step (1e-3,
 * relative to |x| when that is above 1) can stay large enough that rounding does not dominate. */
export function centralDifference(f: (x: number) => number, x: number): number {
  const h = 1e-3 * Math.max(1, Math.abs(x));
  const at = (step: number) => (f(x + step) - f(x - step)) / (2 * step);
  return (4 * at(h / 2) - at(h)) / 3;
}

/** |a - b| relative to the larger magnitude, with magnitudes below 1 treated as 1. */
export function relativeError(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}

export interface GradcheckEntry {
  /** The parameter, and the path to the number in it: element indices and field names (empty
   * for a number parameter). */
  parameter: string;
  index: (number | string)[];
  generated: number;
  numeric: number;
  error: number;
}

export interface GradcheckResult {
  /** True when the value is the function's and every entry is within the tolerance. */
  ok: boolean;
  /** `value` equals what the function returns, bit for bit. */
  valueMatches: boolean;
  /** The gradient function left its arguments as they were. */
  argumentsUnchanged: boolean;
  /** Each gradient has its parameter's shape: a number for a number, an array of the same
   * length for an array, an object with some of the object's fields. */
  shapeMatches: boolean;
  /** The entry with the largest error (undefined when there is nothing to compare). */
  worst?: GradcheckEntry;
  checked: number;
}

export interface GradcheckOptions {
  /** The function's parameter names in order; read from its source text when omitted. */
  names?: string[];
  /** Largest accepted relative error (default 1e-6). */
  tolerance?: number;
  /**
   * For a VJP (`fVjp(...args, cotangent)`): the cotangent v to pass. The VJP is then checked as
   * the gradient of v . f(args), the sum of v's numbers times f's numbers at the same places.
   */
  cotangent?: unknown;
}

type Gradient = (...args: never[]) => { value: unknown; grad: Record<string, unknown> };

type Path = (number | string)[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !ArrayBuffer.isView(value) && !Array.isArray(value);

/** Parameter names from a function's source: `function f(a, b)` or `(a, b) =>`. */
function parameterNames(f: (...args: never[]) => unknown): string[] {
  const text = f.toString();
  const list = /^[^(]*\(([^)]*)\)/.exec(text)?.[1] ?? /^\s*(\w+)\s*=>/.exec(text)?.[1] ?? "";
  return list
    .split(",")
    .map((p) => p.replace(/[:=].*$/s, "").trim())
    .filter((p) => p.length > 0);
}

/** A deep copy of arguments: numbers, arrays, typed arrays, objects, and nestings of those. An
 * instance of a class stays one (the function may call its methods). */
export function copy(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return (value as Float64Array).slice();
  if (Array.isArray(value)) return value.map(copy);
  if (isObject(value)) {
    const fields = Object.fromEntries(Object.entries(value).map(([key, field]) => [key, copy(field)]));
    return Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as object, fields);
  }
  return value;
}

function same(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    return x.length === y.length && Array.from(x).every((v, i) => same(v, y[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => same(a[key], b[key]));
  }
  return Object.is(a, b);
}

/** Every number inside a value, by path. */
function coordinates(value: unknown, path: Path = []): Path[] {
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    return Array.from(value as ArrayLike<unknown>).flatMap((element, i) => coordinates(element, [...path, i]));
  }
  if (isObject(value)) return Object.entries(value).flatMap(([key, field]) => coordinates(field, [...path, key]));
  return typeof value === "number" ? [path] : [];
}

function at(value: unknown, path: Path): unknown {
  return path.reduce((inner: unknown, i) => (inner as Record<string | number, unknown>)[i], value);
}

function sameShape(gradient: unknown, argument: unknown): boolean {
  if (typeof argument === "number") return typeof gradient === "number";
  if (ArrayBuffer.isView(argument) || Array.isArray(argument)) {
    const [g, a] = [gradient as ArrayLike<unknown>, argument as ArrayLike<unknown>];
    return (
      (ArrayBuffer.isView(g) || Array.isArray(g)) &&
      g.length === a.length &&
      Array.from(a).every((v, i) => sameShape(g[i], v))
    );
  }
  if (isObject(argument)) {
    return (
      isObject(gradient) &&
      Object.keys(gradient).every((key) => key in argument && sameShape(gradient[key], argument[key]))
    );
  }
  return false;
}

/** v . y: the sum of products of the numbers at the same paths of v and y. */
function dot(v: unknown, y: unknown): number {
  return coordinates(v).reduce((sum, path) => sum + (at(v, path) as number) * (at(y, path) as number), 0);
}

/**
 * Checks `gradient` (a generated `fGrad`, or `fVjp` with `options.cotangent`) against central
 * finite differences of `f` at `args`: every differentiated parameter, every element of array
 * parameters, every number field of objects. Returns the worst entry.
 *
 *   const result = gradcheck(rosenbrock, rosenbrockGrad, [-1.2, 1]);
 *   expect(result.ok).toBe(true);
 *   gradcheck(rotate, rotateVjp, [{ x: 1, y: 2 }, 0.3], { cotangent: { x: 1, y: -1 } });
 */
export function gradcheck<F extends (...args: never[]) => unknown>(
  f: F,
  gradient: Gradient,
  args: Parameters<F>,
  options: GradcheckOptions = {},
): GradcheckResult {
  const names = options.names ?? parameterNames(f);
  const tolerance = options.tolerance ?? 1e-6;
  const vjp = "cotangent" in options;
  const primal = f as unknown as (...a: unknown[]) => unknown;
  // A VJP is the gradient of v . f: that is the function finite differences take apart.
  const call = vjp
    ? (...a: unknown[]) => dot(options.cotangent, primal(...a))
    : (primal as (...a: unknown[]) => number);
  const given = args as unknown[];
  const before = given.map(copy);
  const extra = vjp ? [copy(options.cotangent)] : [];
  const { value, grad } = (gradient as unknown as (...a: unknown[]) => ReturnType<Gradient>)(...given, ...extra);
  const argumentsUnchanged = given.every((a, i) => same(a, before[i])) && (!vjp || same(extra[0], options.cotangent));
  const valueMatches = same(value, primal(...before.map(copy)));
  let worst: GradcheckEntry | undefined;
  let checked = 0;
  let shapeMatches = true;
  for (const [parameter, generated] of Object.entries(grad)) {
    const position = names.indexOf(parameter);
    if (position < 0) throw new Error(`gradcheck: no parameter named '${parameter}' (pass options.names)`);
    shapeMatches &&= sameShape(generated, before[position]);
    for (const index of coordinates(generated)) {
      const numeric = centralDifference(
        (x) => {
          const perturbed = before.map(copy);
          const last = index.at(-1);
          if (last === undefined) perturbed[position] = x;
          else (at(perturbed[position], index.slice(0, -1)) as Record<string | number, number>)[last] = x;
          return call(...perturbed);
        },
        at(before[position], index) as number,
      );
      const entry = { parameter, index, generated: at(generated, index) as number, numeric, error: 0 };
      entry.error = relativeError(entry.generated, numeric);
      checked++;
      if (!worst || !(entry.error <= worst.error)) worst = entry;
    }
  }
  const ok = valueMatches && argumentsUnchanged && shapeMatches && (worst === undefined || worst.error <= tolerance);
  const checks = { ok, valueMatches, argumentsUnchanged, shapeMatches, checked };
  return worst ? { ...checks, worst } : checks;
}

export interface JvpcheckOptions {
  /** The function's parameter names in order; read from its source text when omitted. */
  names?: string[];
  /** Largest accepted relative error (default 1e-6). */
  tolerance?: number;
  /** The tangents to pass, by parameter name, each shaped like its parameter. */
  tangents: Record<string, unknown>;
}

export interface JvpcheckResult {
  /** True when the value is the function's and the tangent is within the tolerance. */
  ok: boolean;
  valueMatches: boolean;
  /** The JVP left its arguments and the tangents as they were. */
  argumentsUnchanged: boolean;
  /** The tangent the JVP returned. */
  tangent: unknown;
  /** Per number of the result: the JVP's tangent, the finite difference along the tangents,
   * and their relative error; the worst one. */
  worst?: { index: Path; generated: number; numeric: number; error: number };
}

/** The numbers of a value, in the order of `coordinates`. */
function numbersOf(value: unknown): number[] {
  return coordinates(value).map((path) => at(value, path) as number);
}

/**
 * Σ_c v_c ∂f/∂x_c for each number of f's result: the derivative along the tangents v, from
 * central differences in one coordinate at a time, as `gradcheck` takes them (so that a function
 * smooth in each coordinate but not along v, a comparison of a number with an exact integer
 * say, is checked where it is smooth).
 */
function directionalDifference(
  primal: (...a: unknown[]) => unknown,
  args: unknown[],
  names: string[],
  tangents: Record<string, unknown>,
): number[] {
  const sum = numbersOf(primal(...args.map(copy))).map(() => 0);
  for (const [name, tangent] of Object.entries(tangents)) {
    const position = names.indexOf(name);
    if (position < 0) throw new Error(`jvpcheck: no parameter named '${name}' (pass options.names)`);
    for (const index of coordinates(tangent)) {
      const v = at(tangent, index) as number;
      if (v === 0) continue;
      const last = index.at(-1);
      const x = at(args[position], index) as number;
      const resultAt = (xi: number) => {
        const perturbed = args.map(copy);
        if (last === undefined) perturbed[position] = xi;
        else (at(perturbed[position], index.slice(0, -1)) as Record<string | number, number>)[last] = xi;
        return numbersOf(primal(...perturbed));
      };
      const cache = new Map<number, number[]>();
      sum.forEach((_, k) => {
        const partial = centralDifference((xi) => {
          if (!cache.has(xi)) cache.set(xi, resultAt(xi));
          return cache.get(xi)![k]!;
        }, x);
        sum[k]! += v * partial;
      });
    }
  }
  return sum;
}

/**
 * Checks a generated `fJvp` against central finite differences of `f` along the tangents: each
 * number of the returned tangent against the derivative of the same number of `f`'s result
 * along them (see `directionalDifference`).
 *
 *   jvpcheck(rosenbrock, rosenbrockJvp, [-1.2, 1], { tangents: { x: 1, y: 0.5 } });
 */
export function jvpcheck<F extends (...args: never[]) => unknown>(
  f: F,
  jvp: (...args: never[]) => { value: unknown; tangent: unknown },
  args: Parameters<F>,
  options: JvpcheckOptions,
): JvpcheckResult {
  const names = options.names ?? parameterNames(f);
  const tolerance = options.tolerance ?? 1e-6;
  const primal = f as unknown as (...a: unknown[]) => unknown;
  const given = args as unknown[];
  const before = given.map(copy);
  const tangents = copy(options.tangents) as Record<string, unknown>;
  const { value, tangent } = (jvp as unknown as (...a: unknown[]) => ReturnType<typeof jvp>)(...given, tangents);
  const argumentsUnchanged = given.every((a, i) => same(a, before[i])) && same(tangents, options.tangents);
  const valueMatches = same(value, primal(...before.map(copy)));
  let worst: JvpcheckResult["worst"];
  const numerics = directionalDifference(primal, before, names, tangents);
  for (const [k, index] of coordinates(value).entries()) {
    const numeric = numerics[k]!;
    const generated = at(tangent, index) as number;
    const entry = { index, generated, numeric, error: relativeError(generated, numeric) };
    if (!worst || !(entry.error <= worst.error)) worst = entry;
  }
  const ok = valueMatches && argumentsUnchanged && (worst === undefined || worst.error <= tolerance);
  const checks = { ok, valueMatches, argumentsUnchanged, tangent };
  return worst ? { ...checks, worst } : checks;
}
