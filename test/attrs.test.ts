/**
 * Typed attrs: `attrsOf` and `isOp` read an op's attrs as its opcode declares them, and reading
 * the attrs of another opcode is an error.
 */
import { describe, expect, test } from "vitest";
import { attrsOf, isOp } from "../src/ir/attrs.js";
import type { AttrValue, Op, Opcode } from "../src/ir/types.js";

function op(opcode: Opcode, attrs: Record<string, AttrValue> = {}): Op {
  return { opcode, operands: [], results: [], regions: [], attrs };
}

describe("typed attrs", () => {
  test("attrsOf reads an op's attrs as its opcode declares them", () => {
    const constant = op("const", { value: 2, text: "2.0" });
    const { value, text } = attrsOf(constant, "const");
    expect(value * 2).toBe(4);
    expect(text?.length).toBe(3);
  });

  test("attrsOf of another opcode is an error", () => {
    expect(() => attrsOf(op("add"), "const")).toThrow("the attrs of 'const' were asked of a 'add' op");
  });

  test("isOp narrows to the opcode, attrs included", () => {
    const ops = [op("for", { comparison: "le" }), op("call", { callee: "f", partials: ["", "dy"] })];
    const comparisons = ops.flatMap((o) => (isOp(o, "for") ? [o.attrs.comparison] : []));
    const partials = ops.flatMap((o) => (isOp(o, "call") ? (o.attrs.partials ?? []) : []));
    expect(comparisons).toEqual(["le"]);
    expect(partials).toEqual(["", "dy"]);
  });
});
