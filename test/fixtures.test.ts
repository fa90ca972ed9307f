/**
 * Golden fixtures: for every folder in fixtures/ the generated module and the IR dump must equal
 * the committed `input.grad.ts` and `input.ir` (run `npm run fixtures:update` after an intended
 * change and review the diff), generation must be deterministic, and every generated gradient
 * must agree with central finite differences of the source function at the points listed in
 * `points.json`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import type { CompileResult } from "../src/index.js";
import { partialDerivative, relativeError } from "./support/finite-differences.js";
import { compileFixtures, fixturesRoot, gradientFixtures, inputOf, pointsOf, updating } from "./support/fixtures.js";

let result: CompileResult;

beforeAll(async () => {
  result = await compileFixtures(fixturesRoot, gradientFixtures);
}, 120_000);

const compiledFile = (name: string) => {
  const file = result.files.find((f) => f.source === inputOf(fixturesRoot, name));
  if (!file) throw new Error(`fixture ${name} did not compile:\n${result.diagnostics.map((d) => d.message).join("\n")}`);
  return file;
};

function expectGolden(file: string, actual: string): void {
  if (updating || !existsSync(file)) {
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

test("every fixture compiles without diagnostics", () => {
  expect(result.diagnostics).toEqual([]);
});

test("compiling twice gives byte-identical output", async () => {
  const again = await compileFixtures(fixturesRoot, gradientFixtures);
  expect(again.files.map((f) => f.text)).toEqual(result.files.map((f) => f.text));
  expect(again.files.map((f) => f.ir)).toEqual(result.files.map((f) => f.ir));
}, 120_000);

describe.each(gradientFixtures)("%s", (name) => {
  test("generated module matches input.grad.ts", () => {
    expectGolden(path.join(fixturesRoot, name, "input.grad.ts"), compiledFile(name).text);
  });

  test("IR matches input.ir", () => {
    expectGolden(path.join(fixturesRoot, name, "input.ir"), compiledFile(name).ir);
  });

  test("gradients agree with finite differences", async () => {
    const source = await import(pathToFileURL(inputOf(fixturesRoot, name)).href);
    const generated = await import(pathToFileURL(path.join(fixturesRoot, name, "input.grad.ts")).href);
    const points = pointsOf(name);
    for (const fn of compiledFile(name).functions) {
      const fnPoints = points[fn.name];
      expect(fnPoints, `points.json lists points for ${fn.name}`).toBeDefined();
      expect(fnPoints!.length).toBeGreaterThanOrEqual(3);
      for (const args of fnPoints!) {
        const primal = source[fn.name] as (...a: unknown[]) => number;
        const { value, grad } = (generated[fn.gradientName] as (...a: unknown[]) => { value: number; grad: Record<string, number> })(
          ...args,
        );
        expect(Object.is(value, primal(...args)), `${fn.name}(${args}) value is the primal's`).toBe(true);
        fn.params.forEach((param, index) => {
          if (!param.differentiated) return;
          const numeric = partialDerivative((...a) => primal(...a), args as number[], index);
          const error = relativeError(grad[param.name]!, numeric);
          expect(error, `d${fn.name}/d${param.name} at (${args}): generated ${grad[param.name]}, finite differences ${numeric}`).toBeLessThanOrEqual(1e-6);
        });
      }
    }
  });
});
