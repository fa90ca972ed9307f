/**
 * The question whether a `for` loop is counted (countedForm): each function below lowers the
 * statements before its first loop, then asks. The answer is the loop's parts or the reason it
 * is not counted; asking throws nothing, emits no IR and leaves the variables as they were.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DiagnosticError } from "../src/diagnostics.js";
import { type DifferentiableFunction, findDifferentiableFunctions } from "../src/frontend/annotations.js";
import { LoweringContext } from "../src/frontend/context.js";
import { type CountedForm, countedForm } from "../src/frontend/loop-analysis.js";
import { loadProgram } from "../src/frontend/program.js";
import { lowerStatements } from "../src/frontend/statements.js";

const source = `
type int = number;
let names: string[];

/** @differentiable */
export function upward(x: number, n: int): number {
  let s = 0;
  for (let i = 1; i <= n; i += 2) s += x;
  return s;
}

/** @differentiable */
export function flippedBound(x: number, n: int): number {
  let s = 0;
  for (let i = n; 0 < i; i--) s += x;
  return s;
}

/** @differentiable */
export function firstAssignedInLoop(x: number, n: int): number {
  let last: number;
  for (let i = 0; i < n; i++) last = x * i;
  return last!;
}

/** @differentiable */
export function twoCounters(x: number, n: int): number {
  let s = 0;
  for (let i = 0, j = 0; i < n; i++) s += x * j;
  return s;
}

/** @differentiable */
export function doubling(x: number, n: int): number {
  let s = 0;
  for (let i = 1; i < n; i *= 2) s += x;
  return s;
}

/** @differentiable */
export function noCondition(x: number, n: int): number {
  let s = 0;
  for (let i = 0; ; i++) s += x;
}

/** @differentiable */
export function notEqual(x: number, n: int): number {
  let s = 0;
  for (let i = 0; i !== n; i++) s += x;
  return s;
}

/** @differentiable */
export function flippedNotEqual(x: number, n: int): number {
  let s = 0;
  for (let i = 0; n !== i; i++) s += x;
  return s;
}

/** @differentiable */
export function noCounterCompared(x: number, n: int): number {
  let s = 0;
  for (let i = 0; 0 < n; i++) s += x;
  return s;
}

/** @differentiable */
export function flippedAway(x: number, n: int): number {
  let s = 0;
  for (let i = 0; n > i; i--) s += x;
  return s;
}

/** @differentiable */
export function away(x: number, n: int): number {
  let s = 0;
  for (let i = 0; i < n; i--) s += x;
  return s;
}

/** @differentiable */
export function carriedArray(x: number, n: int): number {
  let a = [x];
  for (let i = 0; i < n; i++) a = [a[0]! * 2];
  return a[0]!;
}

/** @differentiable */
export function counterAssigned(x: number, n: int): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += x;
    i += 1;
  }
  return s;
}

/** @differentiable */
export function boundAssigned(x: number, n: int): number {
  let s = 0;
  let m = n;
  for (let i = 0; i < m; i++) {
    s += x;
    m -= 1;
  }
  return s;
}

/** @differentiable */
export function boundGrows(x: number, n: int): number {
  const ys = [x];
  for (let i = 0; i < ys.length; i++) if (ys.length < n) ys.push(x);
  return ys[0]!;
}

/** @differentiable */
export function fractionalStart(x: number, n: int): number {
  let s = 0;
  for (let i = 0.5; i < n; i++) s += x;
  return s;
}

/** @differentiable */
export function unsupportedCarried(x: number, n: int): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    names = ["a"];
    s += x;
  }
  return s;
}
`;

const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-counted-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let checker: ts.TypeChecker;
let functions: Map<string, DifferentiableFunction>;
let sourceFile: ts.SourceFile;

beforeAll(() => {
  const input = path.join(dir, "loops.ts");
  writeFileSync(input, source);
  const program = loadProgram([input]);
  expect(program.diagnostics).toEqual([]);
  checker = program.checker;
  sourceFile = program.sourceFiles[0]!;
  functions = new Map(
    findDifferentiableFunctions(sourceFile).flatMap((f) => (f instanceof DiagnosticError ? [] : [[f.name, f]])),
  );
});

/** The answer for the first `for` loop of `name`, after lowering its parameters and the statements before it. */
function ask(name: string): { form: CountedForm; context: LoweringContext; text: (node: ts.Node) => string } {
  const fn = functions.get(name)!;
  const cx = new LoweringContext(checker, sourceFile, fn, new Map());
  for (const p of fn.node.parameters) {
    const symbol = checker.getSymbolAtLocation(p.name)!;
    cx.env.set(symbol, cx.values.value(cx.typeOf(p, "parameter"), p.name.getText(sourceFile)));
    if (p.type?.getText(sourceFile) === "int") cx.integerSymbols.add(symbol);
  }
  const statements = (fn.node.body as ts.Block).statements;
  const index = statements.findIndex((s) => ts.isForStatement(s));
  lowerStatements(cx, statements.slice(0, index));
  const ops = cx.builder.region.ops.length;
  const env = new Map(cx.env);
  const form = countedForm(cx, statements[index] as ts.ForStatement);
  expect(cx.builder.region.ops.length, "ops emitted by the question").toBe(ops);
  expect(cx.env, "variables changed by the question").toEqual(env);
  return { form, context: cx, text: (node) => node.getText(sourceFile) };
}

function reasonOf(name: string): { reason: string; at: string } {
  const { form, text } = ask(name);
  if (form.counted) throw new Error(`'${name}' is counted`);
  return { reason: form.reason, at: text(form.at) };
}

describe("counted loops", () => {
  test("a counted loop's parts: counter, bound, step and comparison", () => {
    const { form, text } = ask("upward");
    if (!form.counted) throw new Error(form.reason);
    const { declaration, boundExpression, step, comparison, carried } = form.parts;
    expect([text(declaration), text(boundExpression), step, comparison]).toEqual(["i = 1", "n", 2, "le"]);
    expect(carried.map((c) => c.symbol.name)).toEqual(["s"]);
  });

  test("a bound on the left flips the comparison", () => {
    const { form, text } = ask("flippedBound");
    if (!form.counted) throw new Error(form.reason);
    expect([text(form.parts.boundExpression), form.parts.step, form.parts.comparison]).toEqual(["0", -1, "gt"]);
  });

  test("a variable first assigned in the loop is carried unassigned, and gets no placeholder yet", () => {
    const { form, context } = ask("firstAssignedInLoop");
    if (!form.counted) throw new Error(form.reason);
    const [last] = form.parts.carried;
    expect(last?.symbol.name).toBe("last");
    expect(last?.unassigned).toBeDefined();
    expect(context.env.has(last!.symbol)).toBe(false);
  });
});

describe("loops that are not counted, and why", () => {
  test.each([
    ["twoCounters", "the initializer must declare one counter, as in let i = 0", "for"],
    ["doubling", "the update must be i++, i--, i += k or i -= k with an integer k", "i *= 2"],
    ["noCondition", "the condition must compare the counter with a bound", "for"],
    ["notEqual", "the condition must be i < bound, i <= bound, i > bound or i >= bound", "i !== n"],
    ["flippedNotEqual", "the condition must be i < bound, i <= bound, i > bound or i >= bound", "n !== i"],
    ["noCounterCompared", "the condition must be i < bound, i <= bound, i > bound or i >= bound", "0 < n"],
    ["away", "the update must move the counter towards the bound", "i--"],
    ["flippedAway", "the update must move the counter towards the bound", "i--"],
    ["carriedArray", "the loop assigns the array variable 'a'; write into its elements instead", "for"],
    ["counterAssigned", "the body assigns the counter", "for"],
    ["boundAssigned", "the bound changes inside the loop", "m"],
    ["boundGrows", "the bound changes inside the loop", "ys.length"],
    ["fractionalStart", "the start is not an integer", "0.5"],
    ["unsupportedCarried", "the type of 'names' is not supported", "names"],
  ])("%s: %s", (name, reason, at) => {
    const answer = reasonOf(name);
    expect(answer.reason).toBe(reason);
    expect(answer.at.startsWith(at)).toBe(true);
  });

  test("the carried variables come with the answer once the header is counted", () => {
    const header = ask("twoCounters").form;
    const body = ask("counterAssigned").form;
    expect(!header.counted && header.carried).toBeUndefined();
    expect(!body.counted && body.carried?.map((c) => c.symbol.name)).toEqual(["s"]);
  });
});
