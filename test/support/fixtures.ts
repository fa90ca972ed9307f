/** Finds the fixture folders and compiles them once per test file. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { compile, type CompileResult } from "../../src/index.js";

export const fixturesRoot = path.resolve(import.meta.dirname, "../../fixtures");
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
  return compile(names.map((name) => inputOf(root, name)));
}

export type Points = Record<string, (number | boolean | string)[][]>;

export function pointsOf(name: string): Points {
  return JSON.parse(readFileSync(path.join(fixturesRoot, name, "points.json"), "utf8")) as Points;
}
