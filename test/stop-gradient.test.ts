/**
 * stopGradient changes the derivative on purpose, so finite differences of the source cannot
 * check it: the gradient through it is compared with the derivative of the function in which
 * the stopped value is a constant.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";
import { compile } from "../src/index.js";

// Inside the package, where `import ... from "adjoint"` resolves to the package itself.
const dir = mkdtempSync(fileURLToPath(new URL("../.test-tmp-", import.meta.url)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("no derivative flows through stopGradient, and the value passes unchanged", async () => {
  const input = path.join(dir, "towards.ts");
  writeFileSync(
    input,
    `import { stopGradient } from "adjoint";

/** @differentiable */
export function towardsTarget(x: number, scale: number): number {
  const target = stopGradient(scale * Math.tanh(x));
  return (x - target) * (x - target);
}
`,
  );
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics).toEqual([]);
  expect(files[0]!.text).not.toContain("import");
  writeFileSync(files[0]!.outputPath, files[0]!.text);
  const { towardsTargetGrad } = await import(pathToFileURL(files[0]!.outputPath).href);
  const [x, scale] = [0.5, 2];
  const target = scale * Math.tanh(x);
  const { value, grad } = towardsTargetGrad(x, scale);
  expect(value).toBe((x - target) * (x - target));
  expect(grad.x).toBeCloseTo(2 * (x - target), 12);
  expect(grad.scale).toBe(0);
});
