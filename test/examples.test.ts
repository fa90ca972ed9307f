/**
 * The README's example: examples/model.ts compiles to the committed examples/model.grad.ts, its
 * gradients are right, and the README shows exactly the generated code it claims to.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { compile, type CompiledFile } from "../src/index.js";
import { expectGolden } from "./support/fixtures.js";
import { checkGradients } from "./support/gradient-check.js";

const examples = (file: string) => fileURLToPath(new URL(`../examples/${file}`, import.meta.url));
let compiled: CompiledFile;

beforeAll(async () => {
  const result = await compile([examples("model.ts")]);
  expect(result.diagnostics).toEqual([]);
  compiled = result.files[0]!;
}, 60_000);

test("examples/model.grad.ts is what the compiler generates", () => {
  expectGolden(examples("model.grad.ts"), compiled.text);
});

test("the example's gradients agree with finite differences", async () => {
  const points = JSON.parse(readFileSync(examples("points.json"), "utf8")) as Record<string, unknown[][]>;
  await checkGradients(examples("model.ts"), examples("model.grad.ts"), compiled.functions, points);
});

test("the README shows the generated rosenbrockGrad verbatim", () => {
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const start = compiled.text.indexOf("/** Value of `rosenbrock`");
  const end = compiled.text.indexOf("\n}\n", start) + 2;
  expect(start).toBeGreaterThanOrEqual(0);
  expect(readme).toContain(compiled.text.slice(start, end));
});

test("the README's usage comment states the generated gradient's actual output", async () => {
  const { rosenbrockGrad } = await import(examples("model.grad.ts"));
  const { value, grad } = rosenbrockGrad(-1.2, 1);
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  expect(readme).toContain(
    `// value = ${Number(value.toFixed(10))}, grad = { x: ${Number(grad.x.toFixed(10))}, y: ${Number(grad.y.toFixed(10))} }`,
  );
});
