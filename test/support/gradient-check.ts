/**
 * Runs generated gradients against their source functions: the value must be the primal's bit
 * for bit, the arguments must come back unchanged, and every partial derivative (each element
 * of an array parameter) must agree with central finite differences.
 */
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import type { GeneratedFunction } from "../../src/index.js";
import { centralDifference, relativeError } from "./finite-differences.js";

type Gradient = (...args: unknown[]) => { value: number; grad: Record<string, number | ArrayLike<number>> };
type Param = GeneratedFunction["params"][number];

/** The argument for a parameter from its JSON form: arrays become the parameter's array kind. */
function argument(param: Param, json: unknown): unknown {
  if (!Array.isArray(json)) return json;
  if (param.arrayKind === "Float64Array") return Float64Array.from(json as number[]);
  if (param.arrayKind === "Float32Array") return Float32Array.from(json as number[]);
  return [...(json as number[])];
}

function argumentsOf(fn: GeneratedFunction, json: unknown[]): unknown[] {
  return fn.params.map((param, i) => argument(param, json[i]));
}

/** Every differentiable coordinate of the arguments: [parameter index, element index or -1]. */
function coordinates(fn: GeneratedFunction, json: unknown[]): [number, number][] {
  return fn.params.flatMap((param, i): [number, number][] => {
    if (!param.differentiated) return [];
    const value = json[i];
    return Array.isArray(value) ? value.map((_, j): [number, number] => [i, j]) : [[i, -1]];
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
    const primal = source[fn.name] as (...args: unknown[]) => number;
    const gradient = generated[fn.gradientName] as Gradient;
    for (const json of fnPoints!) {
      const where = `${fn.name}(${JSON.stringify(json).slice(1, -1)})`;
      const args = argumentsOf(fn, json);
      const { value, grad } = gradient(...args);
      expect(args.map((a) => (ArrayBuffer.isView(a) ? Array.from(a as Float64Array) : a)), `${where}: arguments unchanged`).toEqual(
        argumentsOf(fn, json).map((a) => (ArrayBuffer.isView(a) ? Array.from(a as Float64Array) : a)),
      );
      expect(Object.is(value, primal(...argumentsOf(fn, json))), `${where}: value is the primal's`).toBe(true);
      for (const [i, j] of coordinates(fn, json)) {
        const param = fn.params[i]!;
        const at = (x: number) => {
          const perturbed = argumentsOf(fn, json);
          if (j < 0) perturbed[i] = x;
          else (perturbed[i] as number[])[j] = x;
          return primal(...perturbed);
        };
        const start = j < 0 ? (json[i] as number) : (json[i] as number[])[j]!;
        const numeric = centralDifference(at, start);
        const entry = grad[param.name]!;
        const generatedValue = j < 0 ? (entry as number) : (entry as ArrayLike<number>)[j]!;
        const label = j < 0 ? param.name : `${param.name}[${j}]`;
        expect(
          relativeError(generatedValue, numeric),
          `d${fn.name}/d${label} at ${where}: generated ${generatedValue}, finite differences ${numeric}`,
        ).toBeLessThanOrEqual(1e-6);
      }
    }
  }
}
