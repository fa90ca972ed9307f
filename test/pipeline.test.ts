/**
 * The pass pipeline's own pieces: the dead-code pass on functions built by hand, and a verifier
 * failure that names the pass after which it ran and shows the failing op in its context.
 */
import { describe, expect, test } from "vitest";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import { printFunction } from "../src/ir/printer.js";
import type { IRFunction, Value } from "../src/ir/types.js";
import { VerifierError, verifyFunction } from "../src/ir/verifier.js";
import { removeDeadOps } from "../src/optimize/dead-code.js";
import { passNames } from "../src/pipeline.js";

/** `@f(x)` with the body `build` makes; it yields what `build` returns. */
function fn(build: (b: Builder, x: Value) => Value[]): IRFunction {
  const values = new ValueFactory();
  const x = values.value("number", "x");
  const body = emptyRegion();
  body.yields = build(new Builder(values, body), x);
  return {
    name: "f",
    params: [{ value: x, typeText: "number", differentiated: true }],
    body,
    loc: { file: "input.ts", line: 1, column: 1, statement: "" },
  };
}

const everything = () => true;
const opcodes = (f: IRFunction) => f.body.ops.map((op) => op.opcode);

describe("dead-code pass", () => {
  test("drops an unread op, then the ops only it read", () => {
    const f = fn((b, x) => {
      const s = b.emit("sin", [x], "number");
      b.emit("cos", [b.emit("exp", [s], "number")], "number");
      return [b.emit("mul", [x, x], "number")];
    });
    removeDeadOps(f.body, everything);
    expect(opcodes(f)).toEqual(["mul"]);
  });

  test("keeps what a kept op or a yield reads, and ops the caller keeps", () => {
    const f = fn((b, x) => {
      const s = b.emit("sin", [x], "number");
      b.emit("cos", [x], "number");
      return [b.emit("exp", [s], "number")];
    });
    removeDeadOps(f.body, (op) => op.opcode !== "cos");
    expect(opcodes(f)).toEqual(["sin", "cos", "exp"]);
  });

  test("sweeps nested regions, and only the top-level ops from `from` on", () => {
    const f = fn((b, x) => {
      b.emit("sin", [x], "number");
      const condition = b.emit("gt", [x, b.constant(0)], "boolean");
      const then = emptyRegion();
      b.inRegion(then, () => b.emit("cos", [x], "number"));
      b.op({ opcode: "if", operands: [condition], regions: [then, emptyRegion()] });
      return [x];
    });
    removeDeadOps(f.body, (op) => op.opcode !== "if", 1);
    expect(opcodes(f)).toEqual(["sin", "const", "gt", "if"]);
    expect(f.body.ops[3]!.regions[0]!.ops).toEqual([]);
  });
});

test("dead-code pass: an op and its regions release each use once, however they went", () => {
  // s = sin x; e = exp s (read); if c { cos s (unread); yield s } else { yield s } (unread):
  // cos goes first, then the if; s is still read by exp and stays.
  const f = fn((b, x) => {
    const s = b.emit("sin", [x], "number");
    const e = b.emit("exp", [s], "number");
    const condition = b.emit("gt", [x, b.constant(0)], "boolean");
    const then = emptyRegion();
    b.inRegion(then, () => b.emit("cos", [s], "number"));
    then.yields = [s];
    const otherwise = emptyRegion();
    otherwise.yields = [s];
    b.op({ opcode: "if", operands: [condition], results: [{ type: "number" }], regions: [then, otherwise] });
    return [e];
  });
  removeDeadOps(f.body, everything);
  expect(opcodes(f)).toEqual(["sin", "exp"]);
  expect(() => verifyFunction(f)).not.toThrow();
});

describe("a verifier failure after a pass", () => {
  test("names the pass, marks the failing op among its neighbours, and prints the function", () => {
    const f = fn((b, x) => {
      const a = b.emit("sin", [x], "number", undefined, "a");
      const c = b.emit("cos", [a], "number", undefined, "c");
      return [b.emit("mul", [c, x], "number")];
    });
    f.body.ops.reverse(); // `cos %a` now comes after its use and before `%a = sin %x`
    let error: unknown;
    try {
      verifyFunction(f, "shared-values");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerifierError);
    const message = (error as VerifierError).message;
    expect(message).toMatch(/^IR verification failed after pass 'shared-values' in @f at 'mul'/);
    const excerpt = message.split("\n\nthe whole function:\n")[0]!;
    expect(excerpt).toMatch(/\n> {3}%0 = mul %c, %x\n/);
    expect(excerpt).toContain("\n    %c = cos %a\n");
    expect(message.endsWith(printFunction(f))).toBe(true);
  });
});

test("the pipeline's passes have distinct names", () => {
  expect(new Set(passNames).size).toBe(passNames.length);
});
