/**
 * The corpus of real library code (corpus/<package>/*.ts): every objective is either compiled
 * correctly (its gradient agrees with finite differences) or refused with a located diagnostic;
 * the compiler never crashes on it nor generates a wrong gradient; and every objective listed in
 * corpus/expected.json compiles correctly, so that what works cannot silently stop working.
 * `npm run corpus` prints the tables; `npm run corpus:results` also writes corpus/RESULTS.md.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  corpusRoot,
  findObjectives,
  type Outcome,
  rejectionReasons,
  resultsMarkdown,
  runCorpus,
  summaryTable,
} from "./support/corpus.js";
import { constructsOf } from "./support/corpus-constructs.js";
import { centralDifference, relativeError } from "./support/finite-differences.js";

const report = process.env.CORPUS_REPORT;
const expectedOk = JSON.parse(readFileSync(path.join(corpusRoot, "expected.json"), "utf8")) as { ok: string[] };

let outcomes: Outcome[];

beforeAll(async () => {
  outcomes = await runCorpus();
  if (report === undefined) return;
  const reasons = rejectionReasons(outcomes).map((r) => `${String(r.count).padStart(3)}  ${r.reason}`);
  console.log(`${summaryTable(outcomes)}\n\nReasons for rejection:\n${reasons.join("\n")}`);
  if (report === "write") {
    const uses = constructsOf(outcomes.map((o) => o.objective));
    writeFileSync(path.join(corpusRoot, "RESULTS.md"), resultsMarkdown(outcomes, uses));
  }
}, 120_000);

test("the corpus has objectives from several packages", () => {
  const objectives = findObjectives();
  expect(objectives.length).toBeGreaterThanOrEqual(60);
  expect(new Set(objectives.map((o) => o.packageName)).size).toBeGreaterThanOrEqual(8);
});

type Nested = Record<string | number, unknown>;

/** Every number in a JSON value, by path. */
function numbersIn(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "number") return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbersIn(v, [...at, i]));
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => numbersIn(v, [...at, k]));
  return [];
}

/**
 * The numbers of its arguments in which f is not smooth at the point: there, the finite
 * differences gradcheck takes (step 1e-3, extrapolated) disagree with plain central differences
 * of step 1e-5, as they do near a kink or a jump, where a correct gradient would look wrong.
 */
function kinksAt(f: (...args: unknown[]) => number, point: unknown[]): string[] {
  return numbersIn(point).flatMap((where) => {
    const along = (x: number) => {
      const args = structuredClone(point);
      const parent = where.slice(0, -1).reduce((inner: Nested, key) => inner[key] as Nested, args as unknown as Nested);
      parent[where.at(-1)!] = x;
      return f(...args);
    };
    const x = where.reduce((inner: unknown, key) => (inner as Nested)[key], point) as number;
    const h = 1e-5 * Math.max(1, Math.abs(x));
    const plain = (along(x + h) - along(x - h)) / (2 * h);
    const extrapolated = centralDifference(along, x);
    return relativeError(extrapolated, plain) <= 1e-5
      ? []
      : [`argument ${where.join(".")}: ${extrapolated} against ${plain}`];
  });
}

test("every objective has at least three points, where it is finite and smooth", async () => {
  const problems: string[] = [];
  for (const objective of findObjectives()) {
    const module = await import(pathToFileURL(objective.source).href);
    if (Object.keys(objective.points).length === 0) problems.push(`${objective.id}: no points`);
    for (const [name, points] of Object.entries(objective.points)) {
      if (typeof module[name] !== "function") problems.push(`${objective.id}: no exported function ${name}`);
      if (points.length < 3) problems.push(`${objective.id}: fewer than three points for ${name}`);
      for (const point of points) {
        const where = `${objective.id}: ${name}(${JSON.stringify(point).slice(1, -1)})`;
        const value = module[name](...structuredClone(point));
        if (!Number.isFinite(value)) problems.push(`${where} = ${value}`);
        else problems.push(...kinksAt(module[name], point).map((kink) => `${where}: ${kink}`));
      }
    }
  }
  expect(problems).toEqual([]);
});

test("no objective crashes the compiler or gets a wrong gradient", () => {
  const bad = outcomes.filter((o) => o.status === "crash" || o.status === "wrong");
  expect(bad.map((o) => `${o.objective.id}: ${o.status}: ${o.reasons.join("; ")}`)).toEqual([]);
});

test("every rejection has a diagnostic with a code and a location", () => {
  for (const outcome of outcomes.filter((o) => o.status === "rejected")) {
    expect(outcome.diagnostics.length, outcome.objective.id).toBeGreaterThan(0);
    for (const d of outcome.diagnostics) expect(d.code, outcome.objective.id).toMatch(/^AD\d{4}$/);
  }
});

test("the objectives of corpus/expected.json compile and their gradients agree", () => {
  const statusOf = new Map(outcomes.map((o) => [o.objective.id, o]));
  for (const id of expectedOk.ok) {
    const outcome = statusOf.get(id);
    expect(outcome, `${id} is in the corpus`).toBeDefined();
    expect(`${id}: ${outcome!.status} ${outcome!.reasons.join("; ")}`).toBe(`${id}: ok `);
  }
  expect(outcomes.filter((o) => o.status === "ok").length).toBeGreaterThanOrEqual(expectedOk.ok.length);
});

test("every objective that compiles is recorded in corpus/expected.json", () => {
  // Recorded, its progress is kept by the test above.
  const unrecorded = outcomes.filter((o) => o.status === "ok" && !expectedOk.ok.includes(o.objective.id));
  expect(
    unrecorded.map((o) => o.objective.id),
    "add these to corpus/expected.json and run npm run corpus:results",
  ).toEqual([]);
});

/** A corpus of three objectives whose statuses are known: the harness must tell them apart. */
const selfTestRoot = path.resolve(".test-tmp-corpus");
const selfTest: Record<string, string> = {
  "ok.ts": `/** @differentiable */
export function square(x: number): number {
  return x * x;
}
`,
  // A user-supplied rule is trusted: a wrong one gives a wrong gradient.
  "wrong.ts": `/** @differentiable */
export function cubeOfSquare(x: number): number {
  return cube(x * x);
}

export function cube(y: number): number {
  return y * y * y;
}

/** @derivative cube */
export function cubeVjp(y: number, cotangent: number): { y: number } {
  return { y: cotangent * 2 * y * y };
}
`,
  // Which closure runs is known only when the code runs, and read from an array: refused.
  "rejected.ts": `/** @differentiable */
export function viaClosure(x: number): number {
  const twice = (y: number) => 2 * y;
  const thrice = (y: number) => 3 * y;
  const fs = [twice, thrice];
  const f = fs[x > 0 ? 0 : 1];
  return f(x);
}
`,
};

afterAll(() => rmSync(selfTestRoot, { recursive: true, force: true }));

test("the harness tells ok, wrong and rejected objectives apart, and finds the constructs they use", async () => {
  const folder = path.join(selfTestRoot, "self-test");
  mkdirSync(folder, { recursive: true });
  for (const [file, text] of Object.entries(selfTest)) {
    writeFileSync(path.join(folder, file), text);
    const name = /export function (\w+)/.exec(text)![1]!;
    writeFileSync(path.join(folder, file.replace(/\.ts$/, ".json")), JSON.stringify({ [name]: [[0.5], [1.5], [-2]] }));
  }
  const outcomes = await runCorpus(selfTestRoot);
  const statuses = Object.fromEntries(outcomes.map((o) => [o.objective.id, o.status]));
  expect(statuses).toEqual({ "self-test/ok": "ok", "self-test/rejected": "rejected", "self-test/wrong": "wrong" });
  const uses = constructsOf(outcomes.map((o) => o.objective));
  expect(uses.get("self-test/ok")).toEqual([]);
  expect(uses.get("self-test/rejected")).toEqual([
    "closures (arrow functions in the body)",
    "calls through a function value (a package's result, a closure)",
  ]);
}, 60_000);
