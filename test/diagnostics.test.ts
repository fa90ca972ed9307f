/**
 * Error fixtures: every folder in fixtures/errors holds an `input.ts` the compiler must reject
 * (or, for AD1012, warn about) and an `expected.txt` with exactly what the CLI prints for it:
 * each diagnostic formatted by `formatDiagnostic`, joined by newlines. The folder name starts
 * with the code the fixture is about. Run with UPDATE_FIXTURES=1 to rewrite the expected files
 * after an intended change, and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { type Diagnostic, type DiagnosticCode, diagnosticCodes, formatDiagnostic } from "../src/diagnostics.js";
import { displayPath } from "../src/frontend/program.js";
import type { CompileResult } from "../src/index.js";
import { compileFixtures, errorFixtures, errorFixturesRoot, inputOf, updating } from "./support/fixtures.js";

let result: CompileResult;

beforeAll(async () => {
  result = await compileFixtures(errorFixturesRoot, errorFixtures);
}, 120_000);

/** Diagnostics are named by the path the CLI prints: relative to the working directory. */
const diagnosticsOf = (name: string): Diagnostic[] =>
  result.diagnostics.filter((d) => d.file === displayPath(inputOf(errorFixturesRoot, name)));

const codeOfFolder = (name: string) => name.slice(0, "ad1000".length).toUpperCase();

/** Codes whose diagnostics concern the file as a whole rather than one marked function. */
const fileLevelCodes: ReadonlySet<DiagnosticCode> = new Set(["AD1001", "AD1002", "AD1012"]);

/** The names a function can be marked under: declarations and `const name = ...`, a class's
 * methods under the class's name and theirs (`Vec3Length` for `Vec3.length`), and for a tag the
 * compiler refuses, the class or namespace holding it. */
function functionNamesIn(source: string): string[] {
  const functions = [
    ...source.matchAll(
      /(?:function\s*\*?\s*([A-Za-z_$][\w$]*)|const\s+([A-Za-z_$][\w$]*)\s*=|(?:class|namespace)\s+([A-Za-z_$][\w$]*))/g,
    ),
  ].map((m) => (m[1] ?? m[2] ?? m[3])!);
  const methods = [...source.matchAll(/^\s+(?:static\s+)?([A-Za-z_$][\w$]*)\s*\(/gm)].map((m) => m[1]!);
  const classes = [...source.matchAll(/class\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!);
  const qualified = classes.flatMap((c) => methods.map((m) => `${c}${m[0]!.toUpperCase()}${m.slice(1)}`));
  return [...functions, ...qualified];
}

test("there are error fixtures", () => {
  expect(errorFixtures.length).toBeGreaterThan(0);
});

test("every error fixture is named after a known code", () => {
  const unknown = errorFixtures.filter(
    (name) => !/^ad\d{4}-[a-z0-9-]+$/.test(name) || !(codeOfFolder(name) in diagnosticCodes),
  );
  expect(unknown).toEqual([]);
});

test("every diagnostic belongs to an error fixture", () => {
  const fixtureFiles = new Set(errorFixtures.map((name) => displayPath(inputOf(errorFixturesRoot, name))));
  expect(result.diagnostics.filter((d) => !fixtureFiles.has(d.file)).map(formatDiagnostic)).toEqual([]);
});

test("no error fixture produces an output file", () => {
  expect(result.files.map((f) => f.outputPath)).toEqual([]);
  for (const name of errorFixtures) {
    expect(existsSync(path.join(errorFixturesRoot, name, "input.grad.ts")), `${name}/input.grad.ts`).toBe(false);
  }
});

test("every diagnostic code is produced by at least one fixture", () => {
  const produced = new Set(result.diagnostics.map((d) => d.code));
  const missing = Object.keys(diagnosticCodes).filter((code) => !produced.has(code as DiagnosticCode));
  expect(missing).toEqual([]);
});

describe.each(errorFixtures)("%s", (name) => {
  const source = () => readFileSync(inputOf(errorFixturesRoot, name), "utf8");

  test("formatted diagnostics match expected.txt", () => {
    const actual = diagnosticsOf(name).map(formatDiagnostic).join("\n");
    const expectedFile = path.join(errorFixturesRoot, name, "expected.txt");
    if (updating) {
      writeFileSync(expectedFile, actual);
      return;
    }
    expect(existsSync(expectedFile), `${name}/expected.txt exists (run with UPDATE_FIXTURES=1 to create it)`).toBe(
      true,
    );
    expect(actual).toBe(readFileSync(expectedFile, "utf8"));
  });

  test("reports the code the fixture is named after, with the right severity", () => {
    const diagnostics = diagnosticsOf(name);
    expect(diagnostics.map((d) => d.code)).toContain(codeOfFolder(name));
    for (const d of diagnostics) expect(d.severity, d.code).toBe(d.code === "AD1012" ? "warning" : "error");
  });

  test("each diagnostic points into the file, at the line it quotes", () => {
    const lines = source().split("\n");
    for (const d of diagnosticsOf(name)) {
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.line).toBeLessThanOrEqual(lines.length);
      expect(d.sourceLine).toBe(lines[d.line - 1]);
      expect(d.column).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeLessThanOrEqual(d.sourceLine.length + 1);
    }
  });

  test("each diagnostic about a function names that function", () => {
    const names = functionNamesIn(source());
    for (const d of diagnosticsOf(name)) {
      if (fileLevelCodes.has(d.code)) continue;
      const quoted = [...d.message.matchAll(/'([^']+)'/g)].map((m) => m[1]);
      expect(
        // A qualified name (`Shapes.area`) names what holds the function first.
        quoted.some((q) => names.includes(q!) || names.includes(q!.split(".")[0]!)),
        `${d.code}: "${d.message}" names one of ${names.join(", ")}`,
      ).toBe(true);
    }
  });
});

test("one unsupported function fails its whole file, and only it is reported", () => {
  const name = "ad1003-one-bad-function-fails-file";
  const diagnostics = diagnosticsOf(name);
  expect(diagnostics.map((d) => d.message)).toEqual([expect.stringContaining("(in 'clamped')")]);
  expect(result.files.some((f) => f.source === inputOf(errorFixturesRoot, name))).toBe(false);
});

test("a function reports each of its errors, and none that follows from an earlier one", () => {
  const diagnostics = diagnosticsOf("ad1005-every-error-of-a-function");
  expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
    ["AD1005", 5],
    ["AD1003", 7],
    ["AD1003", 14],
  ]);
});
