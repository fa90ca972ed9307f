/**
 * Runs generated gradients against their source functions with the package's `gradcheck`: the
 * value must be the primal's bit for bit, the arguments must come back unchanged, and every
 * partial derivative (each element of an array parameter) must agree with central finite
 * differences.
 */
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import { copy, gradcheck, type GradcheckResult } from "../../src/gradcheck.js";
import type { ArrayShape, GeneratedFunction } from "../../src/index.js";

type Param = GeneratedFunction["params"][number];

function arrayOf(kind: string | undefined, json: number[]): number[] | Float64Array | Float32Array {
  if (kind === "Float64Array") return Float64Array.from(json);
  if (kind === "Float32Array") return Float32Array.from(json);
  return [...json];
}

function arrayShaped(shape: ArrayShape, json: unknown): unknown {
  if (shape.rowKind !== undefined) return (json as number[][]).map((row) => arrayOf(shape.rowKind, row));
  return arrayOf(shape.arrayKind, json as number[]);
}

/** JSON objects of a `"$class": "Name"` field become instances of the class the source module
 * exports under that name (with the other fields), for functions calling their methods. */
function instantiated(source: Record<string, unknown>, json: unknown): unknown {
  if (Array.isArray(json)) return json.map((element) => instantiated(source, element));
  if (typeof json !== "object" || json === null) return json;
  const { $class, ...fields } = json as Record<string, unknown>;
  const revived = Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, instantiated(source, field)]));
  if ($class === undefined) return revived;
  const cls = source[$class as string] as { prototype: object } | undefined;
  if (!cls) throw new Error(`points.json names the class '${String($class)}', which the source does not export`);
  return Object.assign(Object.create(cls.prototype) as object, revived);
}

/** The argument for a parameter from its JSON form: arrays, also in fields of objects, become
 * the parameter's array kind. */
function argument(param: Param, json: unknown): unknown {
  if (param.arrayFields) {
    const object = copy(json) as Record<string, unknown>;
    for (const field of param.arrayFields) {
      const keys = field.path.split(".");
      const parent = keys.slice(0, -1).reduce((inner, key) => inner[key] as Record<string, unknown>, object);
      parent[keys[keys.length - 1]!] = arrayShaped(field, parent[keys[keys.length - 1]!]);
    }
    return object;
  }
  return Array.isArray(json) ? arrayShaped(param, json) : json;
}

/** A cotangent shaped like a VJP's value, with numbers that differ from one another. */
function cotangentLike(value: unknown, counter = { next: 0 }): unknown {
  if (typeof value === "number") return 0.37 * ++counter.next - 0.5;
  if (ArrayBuffer.isView(value) || Array.isArray(value))
    return Array.from(value as ArrayLike<unknown>, (v) => cotangentLike(v, counter));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, field]) => [key, cotangentLike(field, counter)]),
  );
}

type AnyFunction = (...args: unknown[]) => unknown;

/** `f` taking its rest parameter's elements as one array argument, as gradcheck passes it. */
function withRestAsArray(f: AnyFunction, params: Param[]): AnyFunction {
  const restAt = params.findIndex((p) => p.rest);
  if (restAt < 0) return f;
  return (...args) => f(...args.slice(0, restAt), ...(args[restAt] as unknown[]), ...args.slice(restAt + 1));
}

/** The function a gradient is of; for a method, one taking the instance first. */
function sourceFunction(source: Record<string, unknown>, fn: GeneratedFunction): AnyFunction {
  if (!fn.method) return source[fn.name] as AnyFunction;
  const cls = source[fn.method.className] as Record<string, AnyFunction> & { prototype: Record<string, AnyFunction> };
  if (fn.method.isStatic) return (...args) => cls[fn.method!.methodName]!(...args);
  return (self, ...args) => cls.prototype[fn.method!.methodName]!.call(self, ...args);
}

/**
 * The generated gradient of `fn` against central finite differences of the source function at
 * one point (its arguments as JSON), the way users call both: a method on an instance, a rest
 * parameter spread.
 */
export function checkPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
  tolerance?: number,
): GradcheckResult {
  const args = fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const names = fn.params.map((p) => p.name);
  const primal = withRestAsArray(sourceFunction(source, fn), fn.params);
  const cotangent = fn.vjp ? { cotangent: cotangentLike(primal(...args.map(copy))) } : {};
  const gradient = withRestAsArray(generated[fn.gradientName] as AnyFunction, fn.params);
  return gradcheck(primal, gradient as never, args as never, {
    names,
    ...(tolerance === undefined ? {} : { tolerance }),
    ...cotangent,
  });
}

export async function checkGradients(
  sourcePath: string,
  generatedPath: string,
  functions: GeneratedFunction[],
  points: Record<string, unknown[][]>,
): Promise<void> {
  const source = await import(pathToFileURL(sourcePath).href);
  const generated = await import(pathToFileURL(generatedPath).href);
  for (const fn of functions) {
    const fnPoints = points[fn.name];
    expect(fnPoints, `points are listed for ${fn.name}`).toBeDefined();
    expect(fnPoints!.length).toBeGreaterThanOrEqual(3);
    for (const json of fnPoints!) {
      const where = `${fn.name}(${JSON.stringify(json).slice(1, -1)})`;
      const result = checkPoint(source, generated, fn, json);
      expect(result.valueMatches, `${where}: value is the primal's`).toBe(true);
      expect(result.argumentsUnchanged, `${where}: arguments unchanged`).toBe(true);
      expect(result.shapeMatches, `${where}: each gradient has its parameter's shape`).toBe(true);
      const worst = result.worst;
      const label = worst && `${worst.parameter}${worst.index.map((j) => `[${j}]`).join("")}`;
      expect(
        worst?.error ?? 0,
        `d${fn.name}/d${label} at ${where}: generated ${worst?.generated}, finite differences ${worst?.numeric}`,
      ).toBeLessThanOrEqual(1e-6);
    }
  }
}
