/**
 * The corpus of real library code (corpus/<package>/*.ts): every objective is either compiled
 * correctly (its gradient agrees with finite differences) or refused with a located diagnostic;
 * the compiler never crashes on it nor generates a wrong gradient; and every objective listed in
 * corpus/expected.json compiles correctly, so that what works cannot silently stop working.
 * `npm run corpus` prints the tables; `npm run corpus:results` also writes corpus/RESULTS.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, expect, test } from "vitest";
import {
  corpusRoot,
  findObjectives,
  type Outcome,
  rejectionReasons,
  resultsMarkdown,
  runCorpus,
  summaryTable,
} from "./support/corpus.js";

const report = process.env.CORPUS_REPORT;
const expectedOk = JSON.parse(readFileSync(path.join(corpusRoot, "expected.json"), "utf8")) as { ok: string[] };

let outcomes: Outcome[];

beforeAll(async () => {
  outcomes = await runCorpus();
  if (report === undefined) return;
  const reasons = rejectionReasons(outcomes).map((r) => `${String(r.count).padStart(3)}  ${r.reason}`);
  console.log(`${summaryTable(outcomes)}\n\nReasons for rejection:\n${reasons.join("\n")}`);
  if (report === "write") writeFileSync(path.join(corpusRoot, "RESULTS.md"), resultsMarkdown(outcomes));
}, 120_000);

test("the corpus has objectives from several packages, each with points", () => {
  const objectives = findObjectives();
  expect(new Set(objectives.map((o) => o.packageName)).size).toBeGreaterThanOrEqual(8);
  for (const objective of objectives) expect(Object.keys(objective.points), objective.id).not.toEqual([]);
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
