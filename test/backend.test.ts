/**
 * The backend on a small gradient function built by hand: what the plan decides before anything
 * is printed (which values are inlined, which `if`s are ternaries, which ops are reverse, a
 * value's one use, a stack's pushed value), that printing leaves the plan as it was, the exact
 * text printed from it, and the errors reporting a part of an op that is missing.
 */
import { expect, test } from "vitest";
import { FunctionEmitter } from "../src/backend/emit.js";
import { ExpressionPrinter } from "../src/backend/expressions.js";
import { Namer, ValueNames } from "../src/backend/naming.js";
import { operandOf, resultOf, zip } from "../src/ir/access.js";
import { planFunction, type Plan } from "../src/backend/plan.js";
import { StatementPrinter } from "../src/backend/statements.js";
import { Storage } from "../src/backend/storage.js";
import { Builder, emptyRegion, ValueFactory } from "../src/ir/builder.js";
import type { IRFunction, Op, Region, SourceLocation, Value } from "../src/ir/types.js";
import type { GradientIR } from "../src/reverse/reverse.js";

const returnLine: SourceLocation = { file: "input.ts", line: 3, column: 3, statement: "return m;" };

/**
 * The gradient of `f(x, y) = (x < y ? x : y) * (x * y + x)` with respect to x, its adjoint
 * summed in a cell (the sum is not the true derivative: only its printing matters here).
 */
/** `fGrad(x, other)` with `body`, differentiated with respect to x. */
function gradientFunction(body: Region, x: Value, other: Value): IRFunction {
  return {
    name: "fGrad",
    params: [
      { value: x, typeText: "number", differentiated: true },
      { value: other, typeText: other.type, differentiated: false },
    ],
    body,
    loc: { file: "input.ts", line: 1, column: 1, statement: "" },
  };
}

function gradient(returnedName?: string): { gradient: GradientIR; ops: Record<string, Op> } {
  const values = new ValueFactory();
  const x = values.value("number", "x");
  const y = values.value("number", "y");
  const body = emptyRegion();
  const b = new Builder(values, body);
  const product = b.emit("mul", [x, y], "number");
  const s = b.emit("add", [product, x], "number", undefined, "s");
  const less = b.emit("lt", [x, y], "boolean");
  const [whenLess, otherwise] = [emptyRegion(), emptyRegion()];
  whenLess.yields = [x];
  otherwise.yields = [y];
  const choice = b.op({
    opcode: "if",
    operands: [less],
    results: [{ type: "number" }],
    regions: [whenLess, otherwise],
  });
  const m = b.emit("mul", [choice.results[0]!, s], "number", undefined, returnedName);
  const forwardOpCount = body.ops.length;
  b.loc = returnLine;
  const zero = b.constant(0);
  const dx = b.op({ opcode: "cell.new", operands: [zero], results: [{ type: "cell" }] }).results[0]!;
  dx.adjointOf = x;
  const add = b.op({ opcode: "cell.add", operands: [dx, y] });
  b.op({ opcode: "cell.add", operands: [dx, b.constant(1)] });
  const read = b.emit("cell.read", [dx], "number");
  body.yields = [m, read];
  const fn = gradientFunction(body, x, y);
  return { gradient: { fn, forwardOpCount }, ops: { product: body.ops[0]!, choice, add } };
}

/** What the plan has decided, in a form `toEqual` compares. */
function decisions(plan: Plan) {
  const ids = (values: Iterable<Value>) => [...values].map((v) => v.id);
  return {
    inlined: ids(plan.inlined),
    ternaries: [...plan.ternaries].map((op) => op.results[0]!.id),
    storedIn: [...plan.storedIn].map(([stored, result]) => [stored.id, result.id]),
    reverseOps: plan.reverseOps.size,
    forwardValues: ids(plan.forwardValues),
  };
}

test("the plan inlines unnamed values used once, prints the branchless `if` as a ternary and knows the reverse sweep", () => {
  const { gradient: ir, ops } = gradient("m");
  const plan = planFunction(ir);
  expect(plan.inlined.has(ops.product!.results[0]!)).toBe(true);
  expect(plan.ternaries.has(ops.choice!)).toBe(true);
  expect(plan.inlined.has(ops.choice!.results[0]!)).toBe(true);
  const named = plan.definitions.get(ir.fn.body.yields[0]!)!;
  expect(plan.inlined.has(named.op.results[0]!)).toBe(false);
  expect(plan.reverseOps.has(ops.add!)).toBe(true);
  expect(plan.reverseOps.has(ops.product!)).toBe(false);
});

test("printing reads the plan without changing it", () => {
  const { gradient: ir } = gradient("m");
  const plan = planFunction(ir);
  const before = decisions(plan);
  const names = new ValueNames(plan, new Namer(["x", "y", "s", "m"]));
  const expressions = new ExpressionPrinter(plan, names);
  new StatementPrinter(plan, names, expressions, new Storage(plan, names, expressions)).printFunction();
  expect(decisions(plan)).toEqual(before);
  expect(decisions(planFunction(ir))).toEqual(before);
});

test("the printed function: inline expressions, a ternary, the adjoint's cell and the comment naming its line", () => {
  const { gradient: ir } = gradient("m");
  expect(new FunctionEmitter(ir, new Namer(["x", "y", "s", "m"])).emit()).toBe(
    [
      "export function fGrad(x: number, y: number): { value: number; grad: { x: number } } {",
      "  const s = x * y + x;",
      "  const m = (x < y ? x : y) * s;",
      "",
      "  // adjoint of line 3: return m;",
      "  let dx = 0;",
      "  dx += y;",
      "  dx += 1;",
      "  return { value: m, grad: { x: dx } };",
      "}",
    ].join("\n"),
  );
});

test("a returned value the source does not name is called `value`, and a user's `dx` is kept", () => {
  const { gradient: ir } = gradient();
  const text = new FunctionEmitter(ir, new Namer(["x", "y", "s", "dx"])).emit();
  expect(text).toContain("  const value = (x < y ? x : y) * s;");
  expect(text).toContain("  let dx_2 = 0;");
  expect(text).toContain("  return { value, grad: { x: dx_2 } };");
});

test("the plan knows a value's one use, and none for a value used more than once", () => {
  const { gradient: ir, ops } = gradient("m");
  const plan = planFunction(ir);
  const [x] = ir.fn.params.map((p) => p.value);
  expect(plan.onlyUse(ops.product!.results[0]!)).toEqual({ region: ir.fn.body, index: 1 });
  expect(plan.onlyUse(x!)).toBeUndefined();
});

test("a stack's pushed value is found in the regions nested in the function", () => {
  const values = new ValueFactory();
  const x = values.value("number", "x");
  const flag = values.value("boolean", "flag");
  const body = emptyRegion();
  const b = new Builder(values, body);
  const stack = b.op({ opcode: "stack.new", results: [{ type: "stack" }], attrs: { element: "number" } }).results[0]!;
  const [whenSet, otherwise] = [emptyRegion(), emptyRegion()];
  const pushed = new Builder(values, whenSet).emit("mul", [x, x], "number");
  new Builder(values, whenSet).op({ opcode: "stack.push", operands: [stack, pushed] });
  b.op({ opcode: "if", operands: [flag], regions: [whenSet, otherwise] });
  const unpushed = b.op({ opcode: "stack.new", results: [{ type: "stack" }], attrs: { element: "number" } });
  body.yields = [x];
  const fn = gradientFunction(body, x, flag);
  const plan = planFunction({ fn, forwardOpCount: body.ops.length });
  expect(plan.pushedValue(stack)).toBe(pushed);
  expect(() => plan.pushedValue(unpushed.results[0]!)).toThrow("every stack has a push");
});

test("a part of an op the verifier guarantees and the op lacks is an error saying what was expected", () => {
  const { ops } = gradient("m");
  const add = ops.add!;
  expect(operandOf(add, 1)).toBe(add.operands[1]);
  expect(() => resultOf(add)).toThrow("there is no result of 'cell.add' 0 (of 0)");
  expect(() => operandOf(add, 2)).toThrow("there is no operand of 'cell.add' 2 (of 2)");
  expect(zip(["a", "b"], [1, 2], "a number per letter")).toEqual([
    ["a", 1],
    ["b", 2],
  ]);
  expect(() => zip(["a"], [1, 2], "a number per letter")).toThrow("expected a number per letter (1 and 2)");
});
