/**
 * Vector forward mode over every fixture: each fixture is compiled with fJvpBatch and
 * fJvpPattern made for every function (an internal option; the goldens are not touched) and, at
 * each of its points:
 * - fJvpBatch along k random directions must give fJvp's value bit for bit and, direction by
 *   direction, the tangents of k calls of fJvp (to 1e-12), leaving its arguments and tangents
 *   unchanged;
 * - fJvpPattern, each coordinate seeded with its bit, must give fJvp's value bit for bit and
 *   hold, for each result number, every coordinate along whose unit vector fJvp's tangent of
 *   that number is not zero (the pattern holds the Jacobian's entries that are not zero);
 * - for a number-valued function, fHvpPattern likewise, 32 coordinates a sweep, against fHvp
 *   along each coordinate's unit vector (the pattern holds the Hessian's entries that are not
 *   zero), and its value and gradient are fHvp's bit for bit.
 * A function one of them cannot be made for must be refused with a located AD1014 warning.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { copy, relativeError } from "../src/gradcheck.js";
import { compile, type CompileResult, type GeneratedFunction } from "../src/index.js";
import { fixturesRoot, gradientFixtures, inputOf, pointsOf } from "./support/fixtures.js";
import { type AnyFunction, argument, instantiated, numbersIn, tangentsFor, unitAt } from "./support/gradient-check.js";
import { mulberry32 } from "./support/random.js";

const directions = 3;
const outRoot = mkdtempSync(path.join(fixturesRoot, "..", ".test-tmp-jvp-batch-"));
let result: CompileResult;

beforeAll(async () => {
  result = await compile(
    gradientFixtures.map((name) => inputOf(fixturesRoot, name)),
    { verifyEach: true, everyForwardMode: true },
  );
}, 120_000);

afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

/** A generator of numbers in [-1, 1), the same on every run. */
function randomNumbers(seed: number): () => number {
  const unit = mulberry32(seed);
  return () => 2 * unit() - 1;
}

/** k values of one shape packed as fJvpBatch lays out tangents: a number's k lanes, an array's
 * elements element-major, an array of rows row by row, an object field by field. */
function packed(values: unknown[]): unknown {
  const [first] = values;
  if (typeof first === "number") return Float64Array.from(values as number[]);
  if (ArrayBuffer.isView(first) || (Array.isArray(first) && typeof first[0] !== "object")) {
    const arrays = values as ArrayLike<number>[];
    const lanes = new Float64Array(arrays[0]!.length * values.length);
    arrays.forEach((array, d) => {
      for (let i = 0; i < array.length; i++) lanes[i * values.length + d] = array[i]!;
    });
    return lanes;
  }
  if (Array.isArray(first)) return first.map((_, r) => packed(values.map((v) => (v as unknown[])[r])));
  return Object.fromEntries(
    Object.keys(first as object).map((key) => [key, packed(values.map((v) => (v as Record<string, unknown>)[key]))]),
  );
}

/** The places where two values differ: in shape, or in a number by more than `tolerance`
 * (bit for bit when it is 0). */
function differences(actual: unknown, expected: unknown, tolerance: number, where = ""): string[] {
  if (typeof expected === "number") {
    if (typeof actual !== "number") return [`${where}: ${String(actual)} is not a number`];
    const same = tolerance === 0 ? Object.is(actual, expected) : relativeError(actual, expected) <= tolerance;
    return same ? [] : [`${where}: ${actual}, expected ${expected}`];
  }
  if (ArrayBuffer.isView(expected) || Array.isArray(expected)) {
    const [a, e] = [actual as ArrayLike<unknown>, expected as ArrayLike<unknown>];
    if (!(ArrayBuffer.isView(actual) || Array.isArray(actual)) || a.length !== e.length)
      return [`${where}: not an array of ${e.length}`];
    return Array.from(e).flatMap((x, i) => differences(a[i], x, tolerance, `${where}[${i}]`));
  }
  if (typeof expected !== "object" || expected === null)
    return Object.is(actual, expected) ? [] : [`${where}: ${String(actual)}`];
  const keys = Object.keys(expected);
  if (typeof actual !== "object" || actual === null || Object.keys(actual).length !== keys.length)
    return [`${where}: not an object of ${keys.join(", ")}`];
  return keys.flatMap((key) =>
    differences(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      tolerance,
      `${where}.${key}`,
    ),
  );
}

/** `f` called as `f(...args, tangents, ...extra)`, the tangents (and `extra`) before a rest
 * parameter, whose elements `args` holds as one array. */
function withTangents(f: AnyFunction, fn: GeneratedFunction): (args: unknown[], ...tangents: unknown[]) => unknown {
  const restAt = fn.params.findIndex((p) => p.rest);
  return (args, ...tangents) =>
    restAt < 0
      ? f(...args, ...tangents)
      : f(...args.slice(0, restAt), ...tangents, ...(args[restAt] as unknown[]), ...args.slice(restAt + 1));
}

/** One point of `fn`: fJvpBatch against `directions` calls of fJvp. */
function checkBatchPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
  seed: number,
): void {
  const where = `${fn.jvpBatchName}(${JSON.stringify(json).slice(1, -1)})`;
  const args = fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const random = randomNumbers(seed);
  const tangents = Array.from({ length: directions }, () => tangentsFor(fn.params, args, random));
  const jvp = withTangents(generated[fn.jvpName!] as AnyFunction, fn);
  const batch = withTangents(generated[fn.jvpBatchName!] as AnyFunction, fn);
  const results = tangents.map((t) => jvp(copy(args) as unknown[], t) as { value: unknown; tangent: unknown });
  const [batchArgs, batchTangents] = [copy(args) as unknown[], packed(tangents)];
  const [argsBefore, tangentsBefore] = [copy(batchArgs), copy(batchTangents)];
  const out = batch(batchArgs, batchTangents, directions) as { value: unknown; tangent: unknown };
  expect(differences(out.value, results[0]!.value, 0), `${where}: the value is fJvp's`).toEqual([]);
  expect(
    differences(out.tangent, packed(results.map((r) => r.tangent)), 1e-12),
    `${where}: tangents of ${directions} calls of fJvp`,
  ).toEqual([]);
  expect(differences(batchArgs, argsBefore, 0), `${where}: arguments unchanged`).toEqual([]);
  expect(differences(batchTangents, tangentsBefore, 0), `${where}: tangents unchanged`).toEqual([]);
}

/** The bits of a word of a pattern's set of coordinates. */
const wordBits = 32;

/** One point of `fn`: fJvpPattern against fJvp along each coordinate's unit vector. */
function checkPatternPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
): void {
  const where = `${fn.jvpPatternName}(${JSON.stringify(json).slice(1, -1)})`;
  const args = fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const coordinates = numbersIn(tangentsFor(fn.params, args, () => 0)).length;
  const words = Math.max(1, Math.ceil(coordinates / wordBits));
  const bitsOfWord = (w: number) => {
    let c = 0;
    return tangentsFor(fn.params, args, () => {
      const bit = Math.floor(c / wordBits) === w ? 1 << (c % wordBits) : 0;
      c++;
      return bit;
    });
  };
  const seeds = packed(Array.from({ length: words }, (_, w) => bitsOfWord(w)));
  const pattern = withTangents(generated[fn.jvpPatternName!] as AnyFunction, fn);
  const jvp = withTangents(generated[fn.jvpName!] as AnyFunction, fn);
  const out = pattern(copy(args) as unknown[], seeds, words) as { value: unknown; tangent: unknown };
  const value = (
    jvp(
      copy(args) as unknown[],
      tangentsFor(fn.params, args, () => 0),
    ) as { value: unknown }
  ).value;
  expect(differences(out.value, value, 0), `${where}: the value is fJvp's`).toEqual([]);
  const sets = numbersIn(out.tangent);
  for (let c = 0; c < coordinates; c++) {
    const column = numbersIn(
      (jvp(copy(args) as unknown[], tangentsFor(fn.params, args, unitAt(c))) as { tangent: unknown }).tangent,
    );
    expect(sets.length, `${where}: ${words} words per result number`).toBe(column.length * words);
    column.forEach((entry, o) => {
      if (entry === 0) return;
      const word = sets[o * words + Math.floor(c / wordBits)]!;
      expect((word >>> (c % wordBits)) & 1, `${where}: J[${o}][${c}] = ${entry} is in the pattern`).toBe(1);
    });
  }
}

/** One point of a number-valued `fn`: fHvpPattern, 32 coordinates a sweep, against fHvp along
 * each coordinate's unit vector. */
function checkHessianPatternPoint(
  source: Record<string, unknown>,
  generated: Record<string, unknown>,
  fn: GeneratedFunction,
  json: unknown[],
): void {
  const where = `${fn.hvpPatternName}(${JSON.stringify(json).slice(1, -1)})`;
  const args = fn.params.map((param, i) => argument(param, instantiated(source, json[i])));
  const coordinates = numbersIn(tangentsFor(fn.params, args, () => 0)).length;
  const pattern = withTangents(generated[fn.hvpPatternName!] as AnyFunction, fn);
  const hvp = withTangents(generated[fn.hvpName!] as AnyFunction, fn);
  const columns = Array.from({ length: coordinates }, (_, c) =>
    hvp(copy(args) as unknown[], tangentsFor(fn.params, args, unitAt(c))),
  ) as { value: number; grad: unknown; hvp: unknown }[];
  for (let chunk = 0; chunk < coordinates; chunk += wordBits) {
    let c = 0;
    const seeds = tangentsFor(fn.params, args, () => {
      const bit = c >= chunk && c < chunk + wordBits ? 1 << (c - chunk) : 0;
      c++;
      return bit;
    });
    const out = pattern(copy(args) as unknown[], seeds) as { value: number; grad: unknown; hvp: unknown };
    expect(out.value, `${where}: the value is fHvp's`).toBe(columns[0]!.value);
    expect(differences(out.grad, columns[0]!.grad, 0), `${where}: the gradient is fHvp's`).toEqual([]);
    const sets = numbersIn(out.hvp);
    columns.slice(chunk, chunk + wordBits).forEach((column, offset) => {
      numbersIn(column.hvp).forEach((entry, row) => {
        if (entry === 0) return;
        expect((sets[row]! >>> offset) & 1, `${where}: H[${row}][${chunk + offset}] = ${entry} is in the pattern`).toBe(
          1,
        );
      });
    });
  }
}

/** The module compiled for fixture `name`, written where it imports its fixture's files. */
async function loadGenerated(name: string): Promise<Record<string, unknown>> {
  const file = result.files.find((f) => f.source === inputOf(fixturesRoot, name))!;
  const folder = path.join(outRoot, name);
  mkdirSync(folder, { recursive: true });
  const fixture = path.relative(folder, path.join(fixturesRoot, name)).split(path.sep).join("/");
  const target = path.join(folder, "input.grad.ts");
  writeFileSync(target, file.text.replaceAll('from "./', `from "${fixture}/`));
  return (await import(pathToFileURL(target).href)) as Record<string, unknown>;
}

const counts = { checked: 0, patterns: 0, hessianPatterns: 0, withoutJvp: 0 };
const refused: string[] = [];

/** The AD1014 warning saying that `generatedName` of fixture `name` is not generated. */
function refusal(name: string, generatedName: string) {
  return result.diagnostics.find(
    (d) =>
      d.code === "AD1014" &&
      path.resolve(d.file) === inputOf(fixturesRoot, name) &&
      d.message.includes(`no ${generatedName} is generated`),
  );
}

describe.each(gradientFixtures)("%s", (name) => {
  test("fJvpBatch equals fJvp direction by direction, fJvpPattern holds fJvp's entries, or each is refused with AD1014", async () => {
    const file = result.files.find((f) => f.source === inputOf(fixturesRoot, name));
    expect(file, `${name} compiles`).toBeDefined();
    const source = (await import(pathToFileURL(inputOf(fixturesRoot, name)).href)) as Record<string, unknown>;
    const generated = await loadGenerated(name);
    const expanded = file!.functions.filter((fn) => !fn.method && typeof generated[fn.name] === "function");
    const primals = { ...source, ...Object.fromEntries(expanded.map((fn) => [fn.name, generated[fn.name]])) };
    const points = pointsOf(name);
    for (const fn of file!.functions) {
      if (fn.jvpPatternName === undefined)
        expect(refusal(name, `${fn.name}JvpPattern`), `${fn.name}JvpPattern is refused with AD1014`).toBeDefined();
      if (fn.hvpPatternName !== undefined && fn.hvpName !== undefined) {
        (points[fn.name] ?? []).forEach((json) => checkHessianPatternPoint(primals, generated, fn, json));
        counts.hessianPatterns++;
      }
      if (fn.jvpBatchName === undefined) {
        const warning = refusal(name, `${fn.name}JvpBatch`);
        expect(warning, `${fn.name} is refused with AD1014`).toBeDefined();
        refused.push(`${name}: ${warning!.message}`);
        continue;
      }
      if (fn.jvpName === undefined) {
        counts.withoutJvp++;
        continue;
      }
      (points[fn.name] ?? []).forEach((json, i) => checkBatchPoint(primals, generated, fn, json, i + 1));
      counts.checked++;
      if (fn.jvpPatternName === undefined) continue;
      (points[fn.name] ?? []).forEach((json) => checkPatternPoint(primals, generated, fn, json));
      counts.patterns++;
    }
  });
});

afterAll(() => {
  console.info(
    [
      `fJvpBatch over the fixtures: ${counts.checked} functions checked, ${refused.length} refused, ${counts.withoutJvp} without fJvp to compare with; fJvpPattern: ${counts.patterns} checked; fHvpPattern: ${counts.hessianPatterns} checked`,
      ...refused.map((r) => `  refused: ${r}`),
    ].join("\n"),
  );
});
