/** Finds the fixture folders and compiles them once per test file. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { compile, type CompileResult } from "../../src/index.js";

export const fixturesRoot = fileURLToPath(new URL("../../fixtures", import.meta.url));
export const errorFixturesRoot = path.join(fixturesRoot, "errors");
export const updating = process.env.UPDATE_FIXTURES === "1";

function folders(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, entry.name, "input.ts")))
    .map((entry) => entry.name)
    .sort();
}

export const gradientFixtures = folders(fixturesRoot);
export const errorFixtures = existsSync(errorFixturesRoot) ? folders(errorFixturesRoot) : [];

export const inputOf = (root: string, name: string) => path.join(root, name, "input.ts");

export function compileFixtures(root: string, names: string[]): Promise<CompileResult> {
  return compile(
    names.map((name) => inputOf(root, name)),
    { verifyEach: true },
  );
}

/**
 * Compares with a committed golden file, or writes it when updating. A missing golden fails:
 * a new one is made with UPDATE_FIXTURES=1 and read before it is committed.
 */
export function expectGolden(file: string, actual: string): void {
  if (updating) {
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `${file} exists (run with UPDATE_FIXTURES=1 to create it)`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

export type Points = Record<string, unknown[][]>;

export function pointsOf(name: string): Points {
  return JSON.parse(readFileSync(path.join(fixturesRoot, name, "points.json"), "utf8")) as Points;
}
