/**
 * The README's example: examples/model.ts compiles to the committed examples/model.grad.ts, its
 * gradients are right, and the README shows exactly the generated code it claims to.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

test("every generated function the README shows is what the compiler generates, in a golden file", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const readme = readFileSync(`${root}README.md`, "utf8");
  const goldens = [
    readFileSync(examples("model.grad.ts"), "utf8"),
    ...readdirSync(`${root}fixtures`, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(`${root}fixtures/${entry.name}/input.grad.ts`))
      .map((entry) => readFileSync(`${root}fixtures/${entry.name}/input.grad.ts`, "utf8")),
  ];
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  // a block showing generated code (a function returning `{ value, ... }`), parts elided `// ...`
  const generated = blocks.filter((block) => /^export function \w+\([^]*?\): \{ value/m.test(block));
  expect(generated.length).toBeGreaterThanOrEqual(4);
  const missing = generated
    .flatMap((block) => block.split(/^\s*\/\/ \.\.\.\n/m))
    .filter((part) => !goldens.some((golden) => golden.includes(part.trimEnd())));
  expect(missing, "the README shows code no golden file holds").toEqual([]);
});
