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
import { ts } from "ts-morph";
import { findDifferentiableFunctions } from "../src/frontend/annotations.js";
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

/** Codes whose diagnostics concern a tag (a misplaced @differentiable, a @derivative rule), which
 * marks nothing: they name the declaration carrying it. */
const tagCodes: ReadonlySet<DiagnosticCode> = new Set(["AD1011", "AD1013"]);

/** The functions of a file the compiler marks (methods under their generated name, `Vec3Length`),
 * as the compiler finds them. */
function markedFunctionsIn(file: string): string[] {
  const sourceFile = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  return findDifferentiableFunctions(sourceFile).flatMap((found) => ("name" in found ? [found.name] : []));
}

/** Every name a declaration of the file has (functions, methods, accessors, classes, namespaces,
 * variables, properties): what a misplaced tag's diagnostic may name. */
function declaredNamesIn(file: string): Set<string> {
  const sourceFile = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    const name = (node as { name?: ts.Node }).name;
    if (
      ts.isDeclarationStatement(node) ||
      ts.isClassElement(node) ||
      ts.isObjectLiteralElement(node) ||
      ts.isVariableDeclaration(node)
    )
      if (name && ts.isIdentifier(name)) names.add(name.text);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return names;
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
    const file = inputOf(errorFixturesRoot, name);
    const marked = markedFunctionsIn(file);
    const declared = declaredNamesIn(file);
    for (const d of diagnosticsOf(name)) {
      if (fileLevelCodes.has(d.code)) continue;
      const quoted = [...d.message.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
      // A tag's declaration may be named qualified by what holds it (`Shapes.area`).
      const named = tagCodes.has(d.code)
        ? quoted.some((q) => q.split(".").every((part) => declared.has(part)))
        : quoted.some((q) => marked.includes(q));
      expect(
        named,
        `${d.code}: "${d.message}" names one of ${[...(tagCodes.has(d.code) ? declared : marked)].join(", ")}`,
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
