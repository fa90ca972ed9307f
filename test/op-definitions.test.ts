/**
 * The table of facts about opcodes: it covers exactly the opcodes the verifier accepts, and its
 * queries give, op by op, the answers the passes relied on when each kept its own list.
 */
import { describe, expect, test } from "vitest";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import {
  allocates,
  derivativeOperands,
  isCheapToRecompute,
  isIndexArithmetic,
  isOpcode,
  isPure,
  isShareable,
  opcodes,
  opFacts,
  readsArray,
  resultDerivative,
  usesArrayInPlace,
  writesArray,
  writesFirstOperand,
} from "../src/ir/op-definitions.js";
import { structuralOps } from "../src/ir/ops.js";
import type { AttrValue, IRFunction, Op, Opcode, Value } from "../src/ir/types.js";
import { VerifierError, verifyFunction } from "../src/ir/verifier.js";
import { primitives } from "../src/rules/primitives.js";

/** An op of `opcode` with `operands`, as the queries see it (they read opcodes, operands and attrs). */
function op(opcode: Opcode, attrs: Record<string, AttrValue> = {}, operands: Value[] = []): Op {
  return { opcode, operands, results: [], regions: [], attrs };
}

/** The opcodes for which `query` holds, sorted. */
const where = (query: (op: Op) => boolean) => opcodes.filter((opcode) => query(op(opcode))).sort();
const structural = (list: readonly Opcode[]) => list.filter((opcode) => structuralOps.has(opcode));
const primitiveOpcodes = opcodes.filter((opcode) => primitives.has(opcode));

describe("coverage", () => {
  test("every structural op and every primitive has facts, and nothing else", () => {
    expect([...opcodes].sort()).toEqual([...structuralOps.keys(), ...primitives.keys()].sort());
    expect(new Set(opcodes).size).toBe(opcodes.length);
    for (const opcode of opcodes) expect(opFacts(opcode), opcode).toBeDefined();
  });

  test("a name the verifier rejects has no facts, and no query claims anything of it", () => {
    const values = new ValueFactory();
    const x = values.value("number", "x");
    const body = emptyRegion();
    // (a name outside the opcodes' type, as a pass building ops from strings could make)
    body.yields = [new Builder(values, body).emit("frobnicate" as Opcode, [x], "number")];
    const fn: IRFunction = {
      name: "f",
      params: [{ value: x, typeText: "number", differentiated: true }],
      body,
      loc: { file: "input.ts", line: 1, column: 1, statement: "" },
    };
    expect(() => verifyFunction(fn)).toThrow(VerifierError);
    const unknown = body.ops[0]!;
    expect(isOpcode("frobnicate")).toBe(false);
    expect(opFacts("frobnicate")).toBeUndefined();
    expect([isPure(unknown), isShareable(unknown), readsArray(unknown), isCheapToRecompute("frobnicate")]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(resultDerivative(unknown)).toBe("none");
    expect(derivativeOperands(unknown)).toEqual([]);
  });
});

describe("effects", () => {
  test("pure ops: every primitive, literals, reads and the ops that only name values", () => {
    expect(structural(where(isPure))).toEqual(
      [
        "const",
        "string",
        "bool",
        "stop",
        "undef",
        "template",
        "object",
        "field",
        "array.get",
        "array.row",
        "array.length",
        "cell.read",
      ].sort(),
    );
    for (const opcode of primitiveOpcodes) expect(isPure(op(opcode)), opcode).toBe(true);
    expect(structuralOps.get("array.set")?.pure).toBe(false);
    expect(structuralOps.get("cell.read")?.pure).toBe(true);
  });

  test("writes into the first operand: the array and cell updates", () => {
    expect(where(writesFirstOperand)).toEqual(["array.add", "array.addAll", "array.set", "cell.add", "cell.set"]);
    expect(where(writesArray)).toEqual(["array.add", "array.addAll", "array.set"]);
  });

  test("reads and allocations", () => {
    expect(where(readsArray)).toEqual([
      "array.addAll",
      "array.copy",
      "array.get",
      "array.length",
      "array.row",
      "array.zerosLike",
    ]);
    expect(where(allocates)).toEqual([
      "array.copy",
      "array.literal",
      "array.new",
      "array.zeros",
      "array.zerosLike",
      "cell.new",
      "stack.new",
    ]);
    // array.row's result is part of its array: it keeps the array reachable.
    expect(where(usesArrayInPlace)).toEqual([
      "array.add",
      "array.addAll",
      "array.copy",
      "array.get",
      "array.length",
      "array.set",
      "array.zerosLike",
    ]);
  });

  test("shareable ops: literals, reads, stop, field and every primitive", () => {
    expect(structural(where(isShareable))).toEqual(
      ["const", "string", "bool", "stop", "field", "array.get", "array.row", "array.length"].sort(),
    );
    for (const opcode of primitiveOpcodes) expect(isShareable(op(opcode)), opcode).toBe(true);
  });
});

describe("derivatives", () => {
  const values = new ValueFactory();
  const array = values.value("array");
  const index = values.value("number");
  const fill = values.value("number");
  const x = values.value("number");
  const y = values.value("number");

  test("arithmetic flows through every operand, a zero-derivative primitive through none", () => {
    expect(resultDerivative(op("mul", {}, [x, y]))).toBe("differentiable");
    expect(derivativeOperands(op("mul", {}, [x, y]))).toEqual([x, y]);
    expect(resultDerivative(op("floor", {}, [x]))).toBe("none");
    expect(derivativeOperands(op("lt", {}, [x, y]))).toEqual([]);
    expect(derivativeOperands(op("stop", {}, [x]))).toEqual([]);
  });

  test("reads flow through the array, not the index; array.new through its fill value", () => {
    expect(derivativeOperands(op("array.get", {}, [array, index]))).toEqual([array]);
    expect(derivativeOperands(op("array.row", {}, [array, index]))).toEqual([array]);
    expect(derivativeOperands(op("array.new", { kind: "Float64Array" }, [index, fill]))).toEqual([fill]);
    expect(derivativeOperands(op("array.length", {}, [array]))).toEqual([]);
  });

  test("a call flows through the operands its rule has a cotangent for; without a rule it is opaque", () => {
    const ruled = op("call", { callee: "f", derivative: "fVjp", derivativeKind: "vjp", partials: ["dx", ""] }, [x, y]);
    expect(resultDerivative(ruled)).toBe("differentiable");
    expect(derivativeOperands(ruled)).toEqual([x]);
    const opaque = op("call", { callee: "g" }, [x, y]);
    expect(resultDerivative(opaque)).toBe("opaque");
    expect(derivativeOperands(opaque)).toEqual([x, y]);
    expect(resultDerivative(op("template", { quasis: ["", ""] }, [x]))).toBe("opaque");
  });

  test("the ops the analyses follow themselves carry none here", () => {
    for (const opcode of ["if", "for", "while", "array.set"] as const)
      expect(resultDerivative(op(opcode))).toBe("none");
  });

  test("ops with a derivative besides primitives: reads, new arrays and objects", () => {
    const structuralFlow = structural(opcodes).filter((opcode) => {
      const flow = opFacts(opcode)?.derivative;
      return flow === "all" || typeof flow === "object";
    });
    expect(structuralFlow.sort()).toEqual(
      ["array.get", "array.row", "array.literal", "array.copy", "array.new", "object"].sort(),
    );
  });
});

describe("costs", () => {
  test("cheap to recompute: comparisons, logic, + - * /, negation, reads and lengths", () => {
    expect(opcodes.filter(isCheapToRecompute).sort()).toEqual(
      [
        "lt",
        "le",
        "gt",
        "ge",
        "eq",
        "ne",
        "not",
        "and",
        "or",
        "neg",
        "add",
        "sub",
        "mul",
        "div",
        "array.length",
        "array.get",
        "array.row",
      ].sort(),
    );
    expect(opFacts("const")?.recompute).toBe("free");
    expect(opFacts("sin")?.recompute).toBe("costly");
  });

  test("index arithmetic: literals, + - * and negation", () => {
    expect(where(isIndexArithmetic)).toEqual(["add", "const", "mul", "neg", "sub"]);
  });
});
