/**
 * Reverse-sweep loops that add only zeros when an adjoint is zero run under `if (d !== 0)`
 * (optimize/zero-guards.ts): in the printed gradient and HVP, not in the primal's loops, not
 * where the loop does anything else, not on an adjoint that varies with the parameters (a
 * derivative taken through the printed gradient would lose what the guard skips), and never in
 * IR that is differentiated again.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { compile } from "../src/index.js";

const dir = mkdtempSync(fileURLToPath(new URL("../.test-tmp-", import.meta.url)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = `
/**
 * The distance to the nearest centre: Math.min's adjoint is zero for every centre but one.
 * @differentiable(wrt: centres)
 * @hessian
 */
export function nearest(point: Float64Array, centres: Float64Array[]): number {
  let best = Infinity;
  for (let j = 0; j < centres.length; j++) {
    let d = 0;
    for (let l = 0; l < point.length; l++) d += (point[l] - centres[j][l]) * (point[l] - centres[j][l]);
    best = Math.min(best, d);
  }
  return best;
}

/**
 * A loop whose every addition is scaled by the parameter y: not guarded, since y varies.
 * @differentiable
 */
export function scaledSines(x: number, y: number): number {
  let s = 0;
  for (let k = 1; k < 5; k++) s += Math.sin(x * k);
  return s * y;
}

/**
 * A loop whose adjoint pops what its iterations stored (each product's factor): not guarded.
 * @differentiable
 */
export function runningProduct(x: Float64Array, scale: number): number {
  let p = 1;
  for (let i = 0; i < x.length; i++) p *= x[i];
  return scale * p;
}
`;

let text = "";
let generated: Record<string, (...args: unknown[]) => any>;

beforeAll(async () => {
  const input = path.join(dir, "nearest.ts");
  writeFileSync(input, source);
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  text = files[0]!.text;
  writeFileSync(files[0]!.outputPath, text);
  generated = await import(pathToFileURL(files[0]!.outputPath).href);
}, 60_000);

/** The text of the generated function `name`. */
function functionText(name: string): string {
  const start = text.indexOf(`export function ${name}(`);
  return text.slice(start, text.indexOf("\n}\n", start));
}

test("the loop over a centre's coordinates runs only where Math.min's adjoint is not zero", () => {
  expect(functionText("nearestGrad")).toMatch(/if \(dd !== 0\) \{\n\s*for \(let l/);
  // forward over reverse: the guard holds in the HVP too (the adjoint's tangent is zero here)
  expect(functionText("nearestHvp")).toMatch(/if \(dd !== 0(?: \|\| ddDot !== 0)?\) \{/);
  // the primal's loops are its own
  expect(functionText("nearestJvp")).not.toContain("!== 0");
});

test("a loop that pops stored values is not guarded", () => {
  expect(functionText("runningProductGrad")).not.toContain("!== 0");
});

test("the guarded gradient and HVP are the unguarded ones: only the nearest centre moves", () => {
  const point = Float64Array.of(0.2, 0.4);
  const centres = [Float64Array.of(1, 1), Float64Array.of(0.25, 0.5), Float64Array.of(-1, 0)];
  const { value, grad } = generated.nearestGrad!(point, centres);
  expect(value).toBeCloseTo(0.05 ** 2 + 0.1 ** 2, 15);
  expect(grad.centres.map((row: Float64Array) => Array.from(row))).toEqual([
    [0, 0],
    [2 * (0.25 - 0.2), 2 * (0.5 - 0.4)],
    [0, 0],
  ]);
  const tangents = { centres: centres.map(() => Float64Array.of(1, -1)) };
  const { hvp } = generated.nearestHvp!(point, centres, tangents);
  expect(hvp.centres.map((row: Float64Array) => Array.from(row))).toEqual([
    [0, 0],
    [2, -2],
    [0, 0],
  ]);
});

test("a loop scaled by a parameter is not guarded, so a derivative through the printed gradient is exact", async () => {
  expect(functionText("scaledSinesGrad")).not.toContain("!== 0");
  const input = path.join(dir, "through.ts");
  writeFileSync(
    input,
    `import { scaledSinesGrad } from "./nearest.grad.js";

/** @differentiable */
export function slope(x: number, y: number): number {
  return scaledSinesGrad(x, y).grad.x;
}
`,
  );
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  writeFileSync(files[0]!.outputPath, files[0]!.text);
  const { slopeGrad } = await import(pathToFileURL(files[0]!.outputPath).href);
  // slope = y * sum_k k cos(k x): at y = 0 its derivative with respect to y is the sum
  let expected = 0;
  for (let k = 1; k < 5; k++) expected += k * Math.cos(0.3 * k);
  expect(slopeGrad(0.3, 0).grad.y).toBeCloseTo(expected, 12);
});
