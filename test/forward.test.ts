/**
 * Forward mode on IR built by hand, for what source code cannot reach today: a tangent that
 * would pass through a call without a derivative is a TangentError naming the op, never a
 * missing term; and the tangent of an accumulator (a cell) follows what is added into it.
 */
import { expect, test } from "vitest";
import { jvpOf, TangentError } from "../src/forward/forward.js";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import { printFunction } from "../src/ir/printer.js";
import type { IRFunction, SourceLocation, Value } from "../src/ir/types.js";

const loc: SourceLocation = { file: "input.ts", line: 3, column: 10, statement: "return opaque(x * x);" };

function fn(build: (b: Builder, x: Value) => Value): IRFunction {
  const values = new ValueFactory();
  const x = values.value("number", "x");
  const body = emptyRegion();
  const b = new Builder(values, body, loc);
  body.yields = [build(b, x)];
  return { name: "f", params: [{ value: x, typeText: "number", differentiated: true }], body, loc };
}

test("a call without a derivative on a tangent's path is refused at its op", () => {
  const primal = fn((b, x) => b.emit("call", [b.emit("mul", [x, x], "number")], "number", { callee: "opaque" }));
  let error: unknown;
  try {
    jvpOf(primal, "f");
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TangentError);
  expect((error as TangentError).op.attrs.callee).toBe("opaque");
  expect((error as TangentError).reason).toContain("'opaque' has no derivative rule");
});

test("a call without a derivative whose result carries no tangent is copied", () => {
  const primal = fn((b, x) => {
    b.op({ opcode: "call", operands: [x], attrs: { callee: "log" } });
    return b.emit("mul", [x, x], "number");
  });
  expect(printFunction(jvpOf(primal, "f").fn)).toContain('call %x {callee="log"}');
});

test("an accumulator's tangent is the sum of the tangents added into it", () => {
  const primal = fn((b, x) => {
    const cell = b.emit("cell.new", [b.constant(0)], "cell");
    b.op({ opcode: "cell.add", operands: [cell, b.emit("sin", [x], "number")] });
    b.op({ opcode: "cell.add", operands: [cell, b.emit("mul", [x, x], "number")] });
    return b.emit("cell.read", [cell], "number");
  });
  const text = printFunction(jvpOf(primal, "f").fn);
  expect(text).toContain("cell.new");
  // two adds into the primal cell and two into its tangent
  expect(text.match(/cell\.add/g)).toHaveLength(4);
  expect(text).toMatch(/cos %x/);
});
