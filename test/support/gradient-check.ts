/**
 * Runs generated gradients against their source functions with the package's `gradcheck`: the
 * value must be the primal's bit for bit, the arguments must come back unchanged, and every
 * partial derivative (each element of an array parameter) must agree with central finite
 * differences.
 */
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import { gradcheck } from "../../src/gradcheck.js";
import type { GeneratedFunction } from "../../src/index.js";

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

type Vjp = (...args: unknown[]) => { value: ArrayLike<number>; grad: Record<string, unknown> };

/**
 * A VJP checked as the gradient of v . f(x) for a fixed cotangent v: reverse mode computes
 * v^T J in one sweep, which is that gradient. The values compared are v . f(x), after checking
 * that the VJP's value is f(x) element for element.
 */
function scalarized(f: (...args: unknown[]) => ArrayLike<number>, vjp: Vjp, length: number) {
  const cotangent = Array.from({ length }, (_, i) => 0.37 * (i + 1) - 0.5);
  const dot = (value: ArrayLike<number>) => Array.from(value).reduce((sum, y, i) => sum + cotangent[i]! * y, 0);
  const primal = (...args: unknown[]) => dot(f(...args));
  const gradient = (...args: unknown[]) => {
    const { value, grad } = vjp(...args, cotangent);
    expect(Array.from(value), "the VJP's value is the function's").toEqual(Array.from(f(...args.map(copyArgument))));
    return { value: dot(value), grad };
  };
  return [primal, gradient] as const;
}

const copyArgument = (a: unknown): unknown => (ArrayBuffer.isView(a) ? (a as Float64Array).slice() : Array.isArray(a) ? a.map(copyArgument) : a);

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
      const args = fn.params.map((param, i) => argument(param, json[i]));
      const names = fn.params.map((p) => p.name);
      const [primal, gradient] = fn.vjp
        ? scalarized(source[fn.name], generated[fn.gradientName], (source[fn.name] as (...a: unknown[]) => ArrayLike<number>)(...args).length)
        : [source[fn.name], generated[fn.gradientName]];
      const result = gradcheck(primal, gradient, args as never, { names });
      expect(result.valueMatches, `${where}: value is the primal's`).toBe(true);
      expect(result.argumentsUnchanged, `${where}: arguments unchanged`).toBe(true);
      const worst = result.worst;
      const label = worst && `${worst.parameter}${worst.index.map((j) => `[${j}]`).join("")}`;
      expect(
        worst?.error ?? 0,
        `d${fn.name}/d${label} at ${where}: generated ${worst?.generated}, finite differences ${worst?.numeric}`,
      ).toBeLessThanOrEqual(1e-6);
    }
  }
}
