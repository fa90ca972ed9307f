/**
 * Float32Array parameters: finite differences of float32 inputs are too coarse for the fixture
 * check, so the gradient is compared with that of the same function over Float64Array, on inputs
 * that float32 holds exactly.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";
import { compile } from "../src/index.js";

const source = (type: string) => `
/** @differentiable */
export function energy(x: ${type}, k: number): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += k * x[i] * x[i] + Math.sin(x[i]);
  return e;
}
`;

const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-float32-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gradientOf(type: string) {
  const input = path.join(dir, `${type}.ts`);
  writeFileSync(input, source(type));
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics).toEqual([]);
  writeFileSync(files[0]!.outputPath, files[0]!.text);
  const module = await import(pathToFileURL(files[0]!.outputPath).href);
  return module.energyGrad as (
    x: Float32Array | Float64Array,
    k: number,
  ) => { value: number; grad: { x: Float32Array | Float64Array; k: number } };
}

test("a Float32Array parameter gets a Float32Array gradient equal to the float64 one", async () => {
  const values = [0.5, -1.25, 2, 0.375];
  const single = (await gradientOf("Float32Array"))(Float32Array.from(values), 1.5);
  const double = (await gradientOf("Float64Array"))(Float64Array.from(values), 1.5);
  expect(single.grad.x).toBeInstanceOf(Float32Array);
  expect(single.value).toBe(double.value);
  expect(single.grad.k).toBe(double.grad.k);
  Array.from(single.grad.x).forEach((g, i) => expect(g).toBeCloseTo(double.grad.x[i]!, 6));
});
