/**
 * Golden fixtures: for every folder in fixtures/ the generated module and the IR dump must equal
 * the committed `input.grad.ts` and `input.ir` (run `npm run fixtures:update` after an intended
 * change and review the diff), generation must be deterministic, and every generated gradient
 * must agree with central finite differences of the source function at the points listed in
 * `points.json`.
 */
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import type { CompileResult } from "../src/index.js";
import { checkGradients } from "./support/gradient-check.js";
import {
  compileFixtures,
  expectGolden,
  fixturesRoot,
  gradientFixtures,
  inputOf,
  pointsOf,
} from "./support/fixtures.js";

let result: CompileResult;

beforeAll(async () => {
  result = await compileFixtures(fixturesRoot, gradientFixtures);
}, 120_000);

const compiledFile = (name: string) => {
  const file = result.files.find((f) => f.source === inputOf(fixturesRoot, name));
  if (!file)
    throw new Error(`fixture ${name} did not compile:\n${result.diagnostics.map((d) => d.message).join("\n")}`);
  return file;
};

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
    const folder = path.join(fixturesRoot, name);
    await checkGradients(
      inputOf(fixturesRoot, name),
      path.join(folder, "input.grad.ts"),
      compiledFile(name).functions,
      pointsOf(name),
    );
  });
});
