/**
 * The IR's verifier and printer on small functions built by hand: the verifier accepts
 * well-formed functions and rejects each broken invariant with the printed function in its
 * message; the printer's text is exact and deterministic.
 */
import { describe, expect, test } from "vitest";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import { printFunction } from "../src/ir/printer.js";
import type { IRFunction, Opcode, Region, SourceLocation, Value } from "../src/ir/types.js";
import { VerifierError, verifyFunction } from "../src/ir/verifier.js";

const loc = (line: number): SourceLocation => ({ file: "input.ts", line, column: 1, statement: "" });

/** A function `@f(x, y)` whose body is built by `build`, which returns the values to yield. */
function fn(build: (b: Builder, x: Value, y: Value) => Value[]): IRFunction {
  const values = new ValueFactory();
  const x = values.value("number", "x");
  const y = values.value("number", "y");
  const body = emptyRegion();
  const b = new Builder(values, body);
  body.yields = build(b, x, y);
  return {
    name: "f",
    params: [
      { value: x, typeText: "number", differentiated: true },
      { value: y, typeText: "number", differentiated: false },
    ],
    body,
    loc: loc(1),
  };
}

/** Appends `if cond { then } else { otherwise }` with one result per yielded value. */
function ifOp(
  b: Builder,
  cond: Value,
  then: (r: Region) => Value[],
  otherwise: (r: Region) => Value[],
  resultNames: string[] = [],
) {
  const thenRegion = emptyRegion();
  const elseRegion = emptyRegion();
  thenRegion.yields = b.inRegion(thenRegion, () => then(thenRegion));
  elseRegion.yields = b.inRegion(elseRegion, () => otherwise(elseRegion));
  const types = thenRegion.yields.map((v) => v.type);
  return b.op({
    opcode: "if",
    operands: [cond],
    results: types.map((type, i) => (resultNames[i] === undefined ? { type } : { type, name: resultNames[i] })),
    regions: [thenRegion, elseRegion],
  });
}

/** A well-formed function with a constant, primitives, a comparison and an `if`. */
function wellFormed(): IRFunction {
  return fn((b, x, y) => {
    const two = b.constant(2);
    const scaled = b.emit("mul", [x, two], "number", undefined, "x");
    const less = b.emit("lt", [scaled, y], "boolean");
    const branch = ifOp(
      b,
      less,
      () => [b.emit("sin", [scaled], "number")],
      () => [y],
      ["r"],
    );
    const [r] = branch.results as [Value];
    return [b.emit("max", [r, x, y], "number", undefined, "m")];
  });
}

/** Asserts that verification fails with `problem`, and that the message holds the printed IR. */
function expectRejected(f: IRFunction, problem: string | RegExp): void {
  let error: unknown;
  try {
    verifyFunction(f);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(VerifierError);
  const message = (error as VerifierError).message;
  expect(message).toMatch(problem);
  expect(message).toContain(printFunction(f));
}

describe("verifier", () => {
  test("accepts a well-formed function", () => {
    expect(() => verifyFunction(wellFormed())).not.toThrow();
  });

  test("accepts a use, inside an if region, of a value defined before the if", () => {
    const f = fn((b, x, y) => {
      const s = b.emit("sin", [x], "number", undefined, "s");
      const cond = b.emit("gt", [x, y], "boolean");
      const branch = ifOp(
        b,
        cond,
        () => [b.emit("mul", [s, y], "number")],
        () => [s],
      );
      return branch.results;
    });
    expect(() => verifyFunction(f)).not.toThrow();
  });

  test("rejects a use of a value before its definition", () => {
    const f = fn((b, x) => {
      const a = b.emit("sin", [x], "number", undefined, "a");
      const c = b.emit("cos", [a], "number", undefined, "c");
      b.region.ops.reverse(); // `cos %a` now comes before `%a = sin %x`
      return [c];
    });
    expectRejected(f, "(a) is used where it is not defined");
  });

  test("rejects a value defined inside an if region and used after the if", () => {
    const f = fn((b, x, y) => {
      const cond = b.emit("lt", [x, y], "boolean");
      let inner: Value | undefined;
      ifOp(
        b,
        cond,
        () => {
          inner = b.emit("sin", [x], "number", undefined, "inner");
          return [inner];
        },
        () => [y],
      );
      return [b.emit("neg", [inner!], "number")];
    });
    expectRejected(f, "(inner) is used where it is not defined");
  });

  test("rejects a value defined twice", () => {
    const f = fn((b, x) => {
      const op = b.op({ opcode: "sin", operands: [x], results: [{ type: "number", name: "s" }] });
      b.region.ops.push(op);
      return op.results;
    });
    expectRejected(f, /value \d+ is defined twice/);
  });

  test("rejects a primitive with the wrong number of operands", () => {
    const f = fn((b, x, y) => [b.emit("sin", [x, y], "number")]);
    expectRejected(f, "wrong number of operands (2)");
  });

  test("rejects a comparison result used as a number operand", () => {
    const f = fn((b, x, y) => {
      const less = b.emit("lt", [x, y], "boolean", undefined, "less");
      return [b.emit("mul", [less, x], "number")];
    });
    expectRejected(f, "operand 0 should be number");
  });

  test("rejects an if whose regions yield the wrong number of values", () => {
    const f = fn((b, x, y) => {
      const cond = b.emit("lt", [x, y], "boolean");
      const branch = ifOp(
        b,
        cond,
        () => [x],
        () => [y],
      );
      branch.regions[1]!.yields = []; // the else region yields nothing for the one result
      return branch.results;
    });
    expectRejected(f, "each region yields one value per result");
  });

  test("rejects an unknown opcode", () => {
    // (a name outside the opcodes' type, as a pass building ops from strings could make)
    const f = fn((b, x) => [b.emit("frobnicate" as Opcode, [x], "number")]);
    expectRejected(f, "unknown opcode 'frobnicate'");
  });
});

describe("printer", () => {
  test("prints user names, versions of a repeated name, anonymous values and source lines", () => {
    const f = fn((b, x, y) => {
      b.loc = loc(3);
      const two = b.constant(2);
      const scaled = b.emit("mul", [x, two], "number", undefined, "x");
      b.loc = undefined;
      const less = b.emit("lt", [scaled, y], "boolean");
      const branch = ifOp(
        b,
        less,
        () => [b.emit("sin", [scaled], "number")],
        () => [y],
        ["r"],
      );
      return branch.results;
    });
    expect(printFunction(f)).toBe(
      [
        "func @f(%x: number (wrt), %y: number) {",
        "  %0 = const {value=2}                           // line 3",
        "  %x.1 = mul %x, %0                              // line 3",
        "  %1 = lt %x.1, %y",
        "  %r = if %1 -> (number) {",
        "    %2 = sin %x.1",
        "    yield %2",
        "  } else {",
        "    yield %y",
        "  }",
        "  yield %r",
        "}",
        "",
      ].join("\n"),
    );
  });

  test("is deterministic", () => {
    const f = wellFormed();
    expect(printFunction(f)).toBe(printFunction(f));
    expect(printFunction(wellFormed())).toBe(printFunction(f));
  });
});
