/**
 * Runs generated gradients against their source functions: the value must be the primal's bit
 * for bit, and each partial derivative must agree with central finite differences.
 */
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import type { GeneratedFunction } from "../../src/index.js";
import { partialDerivative, relativeError } from "./finite-differences.js";

type Gradient = (...args: unknown[]) => { value: number; grad: Record<string, number> };

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
    for (const args of fnPoints!) {
      const { value, grad } = gradient(...args);
      expect(Object.is(value, primal(...args)), `${fn.name}(${args.join(", ")}): value is the primal's`).toBe(true);
      fn.params.forEach((param, index) => {
        if (!param.differentiated) return;
        const numeric = partialDerivative((...a) => primal(...a), args as number[], index);
        const error = relativeError(grad[param.name]!, numeric);
        expect(
          error,
          `d${fn.name}/d${param.name} at (${args.join(", ")}): generated ${grad[param.name]}, finite differences ${numeric}`,
        ).toBeLessThanOrEqual(1e-6);
      });
    }
  }
}
