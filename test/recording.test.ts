/**
 * The recording plan (how the reverse sweep gets each forward value it reads), as
 * `adjoint --dump-ir=recording` prints it: one program reads a value of each kind, and each is
 * read the way the plan's rules say. Once planned, a read the plan does not hold is an error.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { analyzeActivity } from "../src/analysis/activity.js";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import type { IRFunction } from "../src/ir/types.js";
import { compile } from "../src/index.js";
import { planRecording } from "../src/reverse/reverse.js";

const source = `/** @differentiable */
export function f(x: Float64Array, a: number): number {
  let s = 0;
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const t = Math.sin(x[i] * a);
    if (x[i] > 0) s += t * t;
    s += x[k] * a;
    k += 1;
  }
  let y = a;
  if (a > 1) {
    const z = Math.exp(a);
    y = z * a;
  }
  let w = 0;
  while (w < 3) w += a * w + 1;
  return s + y + w;
}
`;

let dir: string;
let plan: string;
let forwardSweep: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-recording-"));
  writeFileSync(path.join(dir, "f.ts"), source);
  const result = await compile([path.join(dir, "f.ts")], { dumpAfter: new Set(["recording", "forward-sweep"]) });
  expect(result.diagnostics).toEqual([]);
  const dumps = result.files[0]!.dumps;
  plan = dumps.find((d) => d.pass === "recording")!.text;
  forwardSweep = dumps.find((d) => d.pass === "forward-sweep")!.text;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The plan's lines after the forward sweep: `name  how`, one per value read. */
const reads = () => plan.slice(plan.indexOf("the reverse sweep reads:\n")).split("\n").slice(1);
const readOf = (name: string) =>
  reads()
    .find((line) => line.startsWith(`  ${name} `))
    ?.slice(2);

describe("the recording plan", () => {
  test("lists each value the reverse sweep reads after the forward sweep it plans for", () => {
    expect(plan).toMatch(/^func @f\(%x: Float64Array \(wrt\), %a: number \(wrt\)\) \{\n/);
    expect(plan).toContain("\n}\nthe reverse sweep reads:\n");
  });

  test("a parameter and a value computed at the top are read directly, literals repeated", () => {
    expect(readOf("%x")).toMatch(/^%x +at the top$/);
    expect(readOf("%a")).toMatch(/^%a +at the top$/);
    expect(readOf("%s")).toMatch(/^%s +literal$/);
  });

  test("a value computed in each iteration is pushed on a stack sized before the loop", () => {
    expect(readOf("%t")).toMatch(/^%t +pushed on %tStack, popped as %t\.1$/);
    expect(forwardSweep).toMatch(/%tStack = stack\.new %\d+ \{element="number"\}/);
    expect(forwardSweep).toContain("stack.push %tStack, %t\n");
  });

  test("the counter is the reversed loop's, and a running index follows from it", () => {
    expect(readOf("%i")).toMatch(/^%i +loop counter$/);
    expect(readOf("%k.2")).toMatch(/^%k\.2 +induction variable: %k \+ %\d+ per iteration$/);
  });

  test("a cheap value in a loop is recomputed, from its operands", () => {
    // x[i] > 0, the branch's condition, from x and i (both readable without storage)
    const recomputed = reads().filter((line) => / recomputed$/.test(line));
    expect(recomputed.length).toBeGreaterThanOrEqual(3);
  });

  test("a value computed in a branch outside loops is carried out of it", () => {
    expect(readOf("%z")).toMatch(/^%z +carried out of branches, as %z\.1$/);
    expect(forwardSweep).toMatch(/%y, %z = if %\d+ -> \(number, number\)/);
  });

  test("a while loop counts its iterations, and its values go on a stack that grows", () => {
    expect(readOf("%iterations")).toMatch(/^%iterations +at the top$/);
    expect(readOf("%w.3")).toMatch(/^%w\.3 +pushed on %wStack, popped as %w\.5$/);
    expect(forwardSweep).toMatch(/%wStack = stack\.new \{element="number"\}\n/);
    expect(forwardSweep).toMatch(/= while %w, %\d+ \{/);
  });
});

test("once planned, a read the plan does not hold is an internal error", () => {
  // f(x) = sin(x) * 2: the reverse sweep reads x (for cos x), never sin(x)
  const values = new ValueFactory();
  const x = values.value("number", "x");
  const body = emptyRegion();
  const b = new Builder(values, body);
  const s = b.emit("sin", [x], "number", undefined, "s");
  body.yields = [b.emit("mul", [s, b.constant(2)], "number")];
  const fn: IRFunction = {
    name: "f",
    params: [{ value: x, typeText: "number", differentiated: true }],
    body,
    loc: { file: "f.ts", line: 1, column: 1, statement: "" },
  };
  const state = planRecording(fn, analyzeActivity(fn));
  const forwardX = state.forward.forward.get(x)!;
  expect([...state.recording.reads.keys()]).toContain(forwardX);
  expect(() => state.recording.read(state.forward.forward.get(s)!)).toThrow(/the recording plan lacks/);
});
