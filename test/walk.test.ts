/**
 * The IR walker on a small function with a branch and a loop: the order it visits regions and
 * ops in, and what its helpers collect (definitions, uses, counts) and rewrite.
 */
import { describe, expect, test } from "vitest";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import type { IRFunction, Op, Region, Value } from "../src/ir/types.js";
import { verifyFunction } from "../src/ir/verifier.js";
import {
  countUses,
  definingOps,
  findOp,
  forEachOp,
  replaceUses,
  someOp,
  usedValues,
  valuesDefinedIn,
  walk,
} from "../src/ir/walk.js";

/**
 *   c = const 1; less = lt x, c
 *   r = if less { s = sin x; yield s } else { yield x }
 *   total = for i = c; i < x; i += c carrying (acc = r) { t = add acc, i; yield t }
 *   yield mul r, total
 */
function sample() {
  const values = new ValueFactory();
  const x = values.value("number", "x");
  const body = emptyRegion();
  const b = new Builder(values, body);
  const c = b.constant(1);
  const less = b.emit("lt", [x, c], "boolean");
  const then = emptyRegion();
  const otherwise = emptyRegion();
  then.yields = [b.inRegion(then, () => b.emit("sin", [x], "number", undefined, "s"))];
  otherwise.yields = [x];
  const branch = b.op({ opcode: "if", operands: [less], results: [{ type: "number" }], regions: [then, otherwise] });
  const r = branch.results[0]!;
  const i = values.value("number", "i");
  const acc = values.value("number", "acc");
  const loopBody = emptyRegion([i, acc]);
  loopBody.yields = [b.inRegion(loopBody, () => b.emit("add", [acc, i], "number", undefined, "t"))];
  const loop = b.op({
    opcode: "for",
    operands: [c, x, c, r],
    results: [{ type: "number" }],
    regions: [loopBody],
    attrs: { comparison: "lt" },
  });
  const total = loop.results[0]!;
  body.yields = [b.emit("mul", [r, total], "number")];
  const fn: IRFunction = {
    name: "f",
    params: [{ value: x, typeText: "number", differentiated: true }],
    body,
    loc: { file: "input.ts", line: 1, column: 1, statement: "" },
  };
  verifyFunction(fn);
  return { body, x, c, r, i, acc, total, branch, loop, loopBody };
}

const opcodesOf = (ops: Op[]) => ops.map((op) => op.opcode);

describe("walking", () => {
  test("forEachOp visits each op before the ops of its regions, in program order", () => {
    const { body } = sample();
    const seen: Op[] = [];
    forEachOp(body.ops, (op) => seen.push(op));
    expect(opcodesOf(seen)).toEqual(["const", "lt", "if", "sin", "for", "add", "mul"]);
  });

  test("walk enters a region before its ops and leaves an op after its regions", () => {
    const { body } = sample();
    const events: string[] = [];
    const regionName = (region: Region) => (region === body ? "body" : `region of ${region.ops[0]?.opcode ?? "none"}`);
    walk(body, {
      enterRegion: (region) => events.push(`enter ${regionName(region)}`),
      leaveRegion: (region) => events.push(`leave ${regionName(region)}`),
      enterOp: (op) => events.push(`> ${op.opcode}`),
      leaveOp: (op) => events.push(`< ${op.opcode}`),
    });
    expect(events).toEqual([
      "enter body",
      "> const",
      "< const",
      "> lt",
      "< lt",
      "> if",
      "enter region of sin",
      "> sin",
      "< sin",
      "leave region of sin",
      "enter region of none",
      "leave region of none",
      "< if",
      "> for",
      "enter region of add",
      "> add",
      "< add",
      "leave region of add",
      "< for",
      "> mul",
      "< mul",
      "leave body",
    ]);
  });

  test("someOp finds an op in a nested region and stops there", () => {
    const { body } = sample();
    const tested: string[] = [];
    const found = someOp(body.ops, (op) => {
      tested.push(op.opcode);
      return op.opcode === "sin";
    });
    expect(found).toBe(true);
    expect(tested).toEqual(["const", "lt", "if", "sin"]);
    expect(someOp(body.ops, (op) => op.opcode === "cos")).toBe(false);
  });

  test("findOp returns the first op, in walking order, that passes the test", () => {
    const { body, loopBody } = sample();
    expect(findOp(body.ops, (op) => op.results[0]?.type === "number" && op.opcode !== "const")?.opcode).toBe("if");
    expect(findOp(body.ops, (op) => op.opcode === "add")).toBe(loopBody.ops[0]);
    expect(findOp(body.ops, (op) => op.opcode === "cos")).toBeUndefined();
  });
});

describe("definitions and uses", () => {
  test("definingOps maps every result, nested ones included, to its op", () => {
    const { body, r, total, branch, loop, loopBody } = sample();
    const definitions = definingOps(body);
    expect(definitions.get(r)).toBe(branch);
    expect(definitions.get(total)).toBe(loop);
    expect(definitions.get(loopBody.yields[0]!)?.opcode).toBe("add");
    expect(definitions.size).toBe(7);
  });

  test("valuesDefinedIn holds a region's parameters and results, nested ones included", () => {
    const { body, x, i, acc, loopBody } = sample();
    const inLoop = valuesDefinedIn(loopBody);
    expect([...inLoop]).toEqual([i, acc, loopBody.yields[0]]);
    expect(valuesDefinedIn(body).has(i)).toBe(true);
    expect(valuesDefinedIn(body).has(x)).toBe(false);
  });

  test("usedValues holds operands and yields at every depth", () => {
    const { body, x, c, r, total, acc } = sample();
    const used = usedValues(body);
    for (const value of [x, c, r, total, acc, body.yields[0]!]) expect(used.has(value)).toBe(true);
  });

  test("countUses counts each operand and yield occurrence", () => {
    const { body, x, c, r } = sample();
    expect(countUses(body, x)).toBe(4); // lt, sin, the else yield, the loop bound
    expect(countUses(body, c)).toBe(3);
    expect(countUses(body, r)).toBe(2);
  });

  test("replaceUses rewrites operands and yields at every depth", () => {
    const { body, x, c } = sample();
    const replacement = new Map<Value, Value>([[x, c]]);
    replaceUses(body, replacement);
    expect(countUses(body, x)).toBe(0);
    expect(countUses(body, c)).toBe(7);
  });
});
