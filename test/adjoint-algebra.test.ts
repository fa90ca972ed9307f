/**
 * The simplifications of the algebra that builds adjoint IR, checked by inspecting the ops it
 * appends: constants fold exactly, the IEEE-exact rewrites apply, and `x * 0` is left alone.
 */
import { beforeEach, describe, expect, test } from "vitest";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import type { Op, Region, Value } from "../src/ir/types.js";
import { AdjointAlgebra } from "../src/reverse/adjoint-algebra.js";

let region: Region;
let values: ValueFactory;
let m: AdjointAlgebra;

beforeEach(() => {
  values = new ValueFactory();
  region = emptyRegion();
  m = new AdjointAlgebra(new Builder(values, region), (v) => v);
});

/** A number the algebra knows nothing about, like a primal value read by the reverse sweep. */
const unknown = (name: string): Value => values.value("number", name);

const opcodes = () => region.ops.map((op) => op.opcode);

function definition(value: Value): Op {
  const op = region.ops.find((o) => o.results.includes(value));
  if (!op) throw new Error(`value ${value.id} is not defined in the region`);
  return op;
}

/** Asserts that `value` is the result of `opcode` applied to exactly `operands`. */
function expectOp(value: Value, opcode: string, operands: Value[]): void {
  const op = definition(value);
  expect(op.opcode).toBe(opcode);
  expect(op.operands).toEqual(operands);
  expect(op.operands.every((v, i) => v === operands[i])).toBe(true);
}

function expectConst(value: Value, expected: number | boolean): void {
  const op = definition(value);
  expect(op.opcode).toBe(typeof expected === "number" ? "const" : "bool");
  expect(op.attrs.value).toBe(expected);
}

describe("constant folding", () => {
  test("2 * 3 folds to the constant 6 without a mul", () => {
    const six = m.apply("mul", m.num(2), m.num(3));
    expectConst(six, 6);
    expect(opcodes()).not.toContain("mul");
  });

  test("folds other primitives and comparisons as the primitive evaluates", () => {
    expectConst(m.apply("sub", m.num(7), m.num(10)), -3);
    expectConst(m.apply("mul", m.num(0.5), m.num(3)), 1.5);
    expectConst(m.apply("neg", m.num(4)), -4);
    expectConst(m.apply("lt", m.num(1), m.num(2)), true);
    expectConst(m.apply("eq", m.num(1), m.num(2)), false);
    expect(opcodes().filter((o) => o !== "const" && o !== "bool")).toEqual([]);
  });

  test("a constant folded from constants folds further", () => {
    const product = m.apply("mul", m.apply("add", m.num(1), m.num(2)), m.num(4));
    expectConst(product, 12);
  });
});

describe("simplifications", () => {
  test("multiplication by 1 is removed on either side", () => {
    const x = unknown("x");
    expect(m.apply("mul", x, m.num(1))).toBe(x);
    expect(m.apply("mul", m.num(1), x)).toBe(x);
    expect(opcodes()).not.toContain("mul");
  });

  test("x * -1 becomes neg x", () => {
    const x = unknown("x");
    expectOp(m.apply("mul", x, m.num(-1)), "neg", [x]);
    expectOp(m.apply("mul", m.num(-1), x), "neg", [x]);
    expect(opcodes()).not.toContain("mul");
  });

  test("neg (neg x) becomes x", () => {
    const x = unknown("x");
    expect(m.apply("neg", m.apply("neg", x))).toBe(x);
    expect(opcodes().filter((o) => o === "neg")).toHaveLength(1);
  });

  test("a + a becomes 2 * a", () => {
    const a = unknown("a");
    const sum = m.apply("add", a, a);
    const op = definition(sum);
    expect(op.opcode).toBe("mul");
    expect(op.operands).toHaveLength(2);
    expectConst(op.operands[0]!, 2);
    expect(op.operands[1]).toBe(a);
    expect(opcodes()).not.toContain("add");
  });

  test("a * (1 / b) becomes a / b", () => {
    const a = unknown("a");
    const b = unknown("b");
    const quotient = m.apply("mul", a, m.apply("div", m.num(1), b));
    expectOp(quotient, "div", [a, b]);
    expect(opcodes()).not.toContain("mul");
  });

  test("a + (-b) becomes a - b", () => {
    const a = unknown("a");
    const b = unknown("b");
    expectOp(m.apply("add", a, m.apply("neg", b)), "sub", [a, b]);
    expect(opcodes()).not.toContain("add");
  });

  test("select on a constant condition is the chosen value", () => {
    const a = unknown("a");
    const b = unknown("b");
    expect(m.apply("select", m.apply("lt", m.num(1), m.num(2)), a, b)).toBe(a);
    expect(m.apply("select", m.apply("gt", m.num(1), m.num(2)), a, b)).toBe(b);
    expect(opcodes()).not.toContain("select");
  });
});

describe("what is not simplified", () => {
  test("x * 0 stays a multiplication (x may be NaN or Infinity)", () => {
    const x = unknown("x");
    for (const product of [m.apply("mul", x, m.num(0)), m.apply("mul", m.num(0), x)]) {
      const op = definition(product);
      expect(op.opcode).toBe("mul");
      expect(op.operands).toContain(x);
    }
    expect(opcodes().filter((o) => o === "mul")).toHaveLength(2);
  });

  test("an operation on unknown values is emitted as it is", () => {
    const a = unknown("a");
    const b = unknown("b");
    expectOp(m.apply("mul", a, b), "mul", [a, b]);
    expectOp(m.apply("cos", a), "cos", [a]);
  });
});
