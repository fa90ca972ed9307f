/**
 * Runs generated gradients against their source functions: the value must be the primal's bit
 * for bit, the arguments must come back unchanged, and every partial derivative (each element
 * of an array parameter) must agree with central finite differences.
 */
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import type { GeneratedFunction } from "../../src/index.js";
import { centralDifference, relativeError } from "./finite-differences.js";

type Gradient = (...args: unknown[]) => { value: number; grad: Record<string, unknown> };
type Param = GeneratedFunction["params"][number];

function arrayOf(kind: string | undefined, json: number[]): number[] | Float64Array | Float32Array {
  if (kind === "Float64Array") return Float64Array.from(json);
  if (kind === "Float32Array") return Float32Array.from(json);
  return [...json];
}

/** The argument for a parameter from its JSON form: arrays become the parameter's array kind. */
function argument(param: Param, json: unknown): unknown {
  if (!Array.isArray(json)) return json;
  if (param.rowKind !== undefined) return (json as number[][]).map((row) => arrayOf(param.rowKind, row));
  return arrayOf(param.arrayKind, json as number[]);
}

const plain = (value: unknown): unknown =>
  ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : Array.isArray(value) ? value.map(plain) : value;

function argumentsOf(fn: GeneratedFunction, json: unknown[]): unknown[] {
  return fn.params.map((param, i) => argument(param, json[i]));
}

/** Every differentiable coordinate of the arguments: the parameter's index, then the element's
 * indices (none for a number, one for an array, two for an array of arrays). */
function coordinates(fn: GeneratedFunction, json: unknown[]): number[][] {
  const within = (value: unknown, path: number[]): number[][] =>
    Array.isArray(value) ? value.flatMap((element, j) => within(element, [...path, j])) : [path];
  return fn.params.flatMap((param, i) => (param.differentiated ? within(json[i], [i]) : []));
}

function read(value: unknown, path: number[]): number {
  return path.reduce((inner: unknown, index) => (inner as ArrayLike<unknown>)[index], value) as number;
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
    const primal = source[fn.name] as (...args: unknown[]) => number;
    const gradient = generated[fn.gradientName] as Gradient;
    for (const json of fnPoints!) {
      const where = `${fn.name}(${JSON.stringify(json).slice(1, -1)})`;
      const args = argumentsOf(fn, json);
      const { value, grad } = gradient(...args);
      expect(args.map(plain), `${where}: arguments unchanged`).toEqual(argumentsOf(fn, json).map(plain));
      expect(Object.is(value, primal(...argumentsOf(fn, json))), `${where}: value is the primal's`).toBe(true);
      for (const [i, ...element] of coordinates(fn, json)) {
        const param = fn.params[i!]!;
        const at = (x: number) => {
          const perturbed = argumentsOf(fn, json);
          if (element.length === 0) perturbed[i!] = x;
          else (read(perturbed[i!], element.slice(0, -1)) as unknown as number[])[element[element.length - 1]!] = x;
          return primal(...perturbed);
        };
        const numeric = centralDifference(at, read(json[i!], element));
        const generatedValue = read(grad[param.name], element);
        const label = `${param.name}${element.map((j) => `[${j}]`).join("")}`;
        expect(
          relativeError(generatedValue, numeric),
          `d${fn.name}/d${label} at ${where}: generated ${generatedValue}, finite differences ${numeric}`,
        ).toBeLessThanOrEqual(1e-6);
      }
    }
  }
}
