/**
 * Derivatives inside differentiable code: `grad(f, options)(x, ...rest)`, `valueAndGrad`, `jvp`
 * and `vjp`, the operators `adjoint` exports, called where the lowering reaches them.
 *
 * Each call is lowered as a function of its own: f's body is lowered into a region of its own
 * with a fresh parameter for x, the differentiated one; every value the region reads but does
 * not define (the other arguments, the variables f captures) becomes a parameter that is not
 * differentiated. That closed function is differentiated by the existing passes (reverse mode:
 * the pipeline; forward mode: `jvpOf`, once per element of an array x) and its derivative is
 * inlined at the call, its parameters read as the arguments. What results is ordinary IR of the
 * function being lowered, which its own passes differentiate again: each level of nesting is a
 * function transformed on its own, so the perturbations of two levels cannot be confused.
 *
 * The inner gradient's storage (cells, stacks, adjoint arrays) is rewritten into arrays before
 * it is inlined (see reverse/storage-as-arrays.ts), so that reverse mode can follow it.
 */
import { ts } from "ts-morph";
import { TangentError, jvpOf } from "../forward/forward.js";
import { emptyRegion } from "../ir/builder.js";
import { inlineIRFunction } from "../ir/inline.js";
import type { ArrayKind, IRFunction, Param, Region, Value } from "../ir/types.js";
import { allocates, opFacts, writesFirstOperand } from "../ir/op-definitions.js";
import { definingOps, findOp, usedValues, valuesDefinedIn } from "../ir/walk.js";
import { primalPasses, runPipeline } from "../pipeline.js";
import { StorageError, storeInArrays } from "../reverse/storage-as-arrays.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { type Argument, callFunctionValue, FunctionValue, functionValue, lowerArguments } from "./functions.js";
import { makeObject } from "./objects.js";

/** The operators, by the name `adjoint` exports them under. */
const operators = ["grad", "valueAndGrad", "jvp", "vjp"] as const;
type Operator = (typeof operators)[number];

type Mode = "reverse" | "forward";

const lowered = new WeakSet<LoweringContext>();

/** Where the functions of the derivatives being lowered start in `cx.inlined`, innermost last,
 * and the functions they differentiate. */
const derivativesInProgress = new WeakMap<LoweringContext, { floor: number; node: ts.Node }[]>();

/** The functions being inlined in the innermost derivative being lowered (all of them outside one). */
export function inlinedInDerivative(cx: LoweringContext): readonly ts.Node[] {
  const innermost = derivativesInProgress.get(cx)?.at(-1);
  return innermost ? cx.inlined.slice(innermost.floor) : cx.inlined;
}

/** True when the function being lowered has called an operator. */
export function takesDerivatives(cx: LoweringContext): boolean {
  return lowered.has(cx);
}

/** The derivative of the one call, or undefined when the call is of no operator. */
export function lowerNestedDerivative(
  cx: LoweringContext,
  call: ts.CallExpression,
  isFromPackage: (identifier: ts.Identifier, name: string) => boolean,
): { result: Value } | undefined {
  const made = call.expression;
  if (!ts.isCallExpression(made) || !ts.isIdentifier(made.expression)) return undefined;
  const callee = made.expression;
  const operator = operators.find((name) => isFromPackage(callee, name));
  if (!operator) return undefined;
  const [fExpression, optionsExpression] = made.arguments;
  if (!fExpression) return cx.fail(made, "AD1004", `'${operator}' needs a function`, `write ${operator}(f)(x)`);
  lowered.add(cx);
  const mode = modeOf(cx, operator, optionsExpression);
  const [xExpression, secondExpression] = call.arguments;
  if (!xExpression) return cx.fail(call, "AD1004", `'${operator}(f)' needs a point x`, `write ${operator}(f)(x)`);
  const x = lowerExpression(cx, xExpression);
  if (x.type !== "number" && x.type !== "array")
    return cx.fail(
      xExpression,
      "AD1004",
      `'${operator}' differentiates with respect to a number or an array`,
      "pass a number, number[] or Float64Array as x",
    );
  const takesSecond = operator === "jvp" || operator === "vjp";
  if (takesSecond && !secondExpression)
    return cx.fail(
      call,
      "AD1004",
      `'${operator}(f)' needs ${operator === "jvp" ? "a tangent" : "a cotangent"} after x`,
      `write ${operator}(f)(x, v)`,
    );
  const second = takesSecond ? lowerExpression(cx, secondExpression!) : undefined;
  const rest = lowerArguments(cx, call.arguments.slice(takesSecond ? 2 : 1));
  const inner = closedFunction(cx, call, fExpression, x, xExpression, rest, operator === "vjp");
  const derivative = differentiate(cx, call, inner, operator, mode, second);
  const [value, derivativeValue] = derivative.apply(x, inner.captured);
  const field = operator === "jvp" ? "tangent" : "grad";
  if (operator === "grad") return { result: derivativeValue };
  if (value === undefined) throw new Error(`'${operator}' was inlined without its value`);
  return {
    result: makeObject(
      cx,
      new Map([
        ["value", value],
        [field, derivativeValue],
      ]),
    ),
  };
}

function modeOf(cx: LoweringContext, operator: Operator, options: ts.Expression | undefined): Mode {
  if (!options) return "reverse";
  const refuse = (): never =>
    cx.fail(
      options,
      "AD1004",
      `the options of '${operator}' must be written where it is called`,
      'write { mode: "forward" } or { mode: "reverse" }',
    );
  if (!ts.isObjectLiteralExpression(options)) return refuse();
  let mode: Mode = "reverse";
  for (const property of options.properties) {
    if (!ts.isPropertyAssignment(property) || property.name.getText(cx.sourceFile) !== "mode") return refuse();
    const text = ts.isStringLiteral(property.initializer) ? property.initializer.text : undefined;
    if (text !== "reverse" && text !== "forward") return refuse();
    mode = text;
  }
  return mode;
}

/** f as a closed IR function of x (differentiated) and of what else it reads (the captured values). */
interface ClosedFunction {
  fn: IRFunction;
  captured: Value[];
}

function closedFunction(
  cx: LoweringContext,
  call: ts.CallExpression,
  fExpression: ts.Expression,
  x: Value,
  xExpression: ts.Expression,
  rest: Argument[],
  returnsArray: boolean,
): ClosedFunction {
  const target = functionValue(cx, fExpression);
  const xParam = cx.values.value(x.type, x.name ?? "x");
  const body: Region = emptyRegion();
  const savedLoc = cx.builder.loc;
  const inProgress = derivativesInProgress.get(cx) ?? [];
  derivativesInProgress.set(cx, inProgress);
  if (target instanceof FunctionValue && inProgress.some((entry) => entry.node === target.node))
    return cx.fail(
      call,
      "AD1004",
      "a function whose derivative is taken inside itself never ends",
      "take the derivative of another function",
    );
  if (target instanceof FunctionValue) inProgress.push({ floor: cx.inlined.length, node: target.node });
  let result: Value | undefined;
  try {
    result = isolated(cx, () =>
      cx.builder.inRegion(body, () => callFunctionValue(cx, call, target, [xParam, ...rest])),
    );
  } finally {
    if (target instanceof FunctionValue) inProgress.pop();
    cx.builder.loc = savedLoc;
  }
  const expected = returnsArray ? "array" : "number";
  if (!result || result.type !== expected)
    return cx.fail(
      fExpression,
      "AD1004",
      `the function differentiated here must return ${returnsArray ? "an array of numbers" : "a number"}`,
      returnsArray ? "use jvp or grad for a function returning a number" : "use vjp for a function returning an array",
    );
  body.yields = [result];
  refuseWritesOutside(cx, body, call);
  const defined = valuesDefinedIn(body);
  const captured = [...usedValues(body)].filter((v) => v !== xParam && !defined.has(v)).sort((a, b) => a.id - b.id);
  const kind = cx.arrayKind(cx.checker.getTypeAtLocation(xExpression));
  const params: Param[] = [
    { value: xParam, typeText: x.type, differentiated: true, ...(kind ? { arrayKind: kind } : {}) },
    ...captured.map((value): Param => ({ value, typeText: value.type, differentiated: false })),
  ];
  const fn: IRFunction = { name: `${cx.fn.name}Inner`, params, body, loc: cx.location(call) };
  if (returnsArray) fn.returnsArray = "Array";
  return { fn, captured };
}

/**
 * Refuses a write, in f, into an array or a cell f does not make itself (x, a captured array):
 * the derivative runs f's body once per direction (forward mode over an array) and once more
 * for the value, so the write would be repeated, and f's adjoints do not follow what it writes
 * outside. An array of unknown making (a branch's result, an object's field) counts as outside.
 */
function refuseWritesOutside(cx: LoweringContext, body: Region, call: ts.CallExpression): void {
  const definitions = definingOps(body);
  const madeInside = (value: Value): boolean => {
    const op = definitions.get(value);
    if (!op) return false;
    if (allocates(op)) return true;
    return opFacts(op.opcode)?.resultAliasesOperand === true && madeInside(op.operands[0]!);
  };
  const write = findOp(body.ops, (op) => writesFirstOperand(op) && !madeInside(op.operands[0]!));
  if (!write) return;
  const target = write.operands[0]!.name;
  // (f's ops are located at the call, as an inlined helper's are)
  cx.fail(
    call,
    "AD1004",
    `the function differentiated here writes into ${target ? `'${target}'` : "an array"}, which it does not make: its derivative would repeat the write`,
    "make the array inside the function, or write into it outside the derivative's call",
  );
}

/**
 * Runs `lower` as the lowering of a function of its own: what it assigns and reads from arrays
 * is its own, and the loops around the call are not its loops. The variables, the loops being
 * lowered and the element reads are as they were before, after it.
 */
function isolated<R>(cx: LoweringContext, lower: () => R): R {
  const env = new Map(cx.env);
  const loops = cx.loops.splice(0);
  const elementReads = new Map(cx.elementReads);
  cx.elementReads.clear();
  try {
    return lower();
  } finally {
    // In place: the lowering of the branch or loop around the call holds this map.
    cx.env.clear();
    for (const [symbol, value] of env) cx.env.set(symbol, value);
    cx.loops.splice(0, cx.loops.length, ...loops);
    cx.elementReads.clear();
    for (const [key, read] of elementReads) cx.elementReads.set(key, read);
  }
}

/** How the derivative is inlined: given x and the captured values, its value (unless `grad`,
 * which returns none, does not compute it) and derivative. */
interface Derivative {
  apply(x: Value, captured: Value[]): [Value | undefined, Value];
}

function differentiate(
  cx: LoweringContext,
  call: ts.CallExpression,
  inner: ClosedFunction,
  operator: Operator,
  mode: Mode,
  second: Value | undefined,
): Derivative {
  const refuse = (reason: string): never =>
    cx.fail(call, "AD1004", `the derivative here cannot be computed: ${reason}`, "compute it in a function of its own");
  // Each inlining rewrites a copy: the derivative may be inlined more than once.
  const inline = (derivative: IRFunction, args: Value[]) => {
    const fn = structuredClone(derivative);
    try {
      storeInArrays(fn, cx.values);
    } catch (error) {
      if (error instanceof StorageError) refuse(`its gradient keeps ${error.reason}`);
      throw error;
    }
    return inlineIRFunction(cx.builder, fn, args) as [Value, Value];
  };
  if (operator === "vjp" || (operator !== "jvp" && mode === "reverse")) {
    const passes = runPipeline(inner.fn);
    if ("opaque" in passes) return refuse("a call on the path to its result has no derivative rule");
    const gradient = passes.gradient.fn;
    return { apply: (x, captured) => inline(gradient, [x, ...captured, ...(second ? [second] : [])]) };
  }
  for (const pass of primalPasses) pass.run(inner.fn);
  let tangent: IRFunction;
  try {
    tangent = jvpOf(inner.fn, inner.fn.name).fn;
  } catch (error) {
    if (error instanceof TangentError) return refuse(error.reason);
    throw error;
  }
  if (operator === "jvp") return { apply: (x, captured) => inline(tangent, [x, ...captured, second!]) };
  return {
    apply: (x, captured) => {
      if (x.type === "number") return inline(tangent, [x, ...captured, cx.builder.constant(1)]);
      const kind = inner.fn.params[0]!.arrayKind ?? "Array";
      return forwardGradient(cx, tangent, x, kind, captured, inline, operator === "valueAndGrad");
    },
  };
}

/** The gradient of an array x by forward mode: one JVP per element, along that unit vector; then,
 * if asked, the value (once more, along no direction: x may have no elements). */
function forwardGradient(
  cx: LoweringContext,
  tangent: IRFunction,
  x: Value,
  kind: ArrayKind,
  captured: Value[],
  inline: (fn: IRFunction, args: Value[]) => [Value, Value],
  withValue: boolean,
): [Value | undefined, Value] {
  const b = cx.builder;
  const length = b.emit("array.length", [x], "number");
  const gradient = b.emit("array.new", [length, b.constant(0)], "array", { kind }, "gradient");
  const index = cx.values.value("number", "j");
  const body: Region = { params: [index], ops: [], yields: [] };
  b.inRegion(body, () => {
    const unit = b.emit("array.new", [length, b.constant(0)], "array", { kind: "Array" }, "unit");
    b.op({ opcode: "array.set", operands: [unit, index, b.constant(1)] });
    const [, along] = inline(tangent, [x, ...captured, unit]);
    b.op({ opcode: "array.set", operands: [gradient, index, along] });
  });
  b.op({
    opcode: "for",
    operands: [b.constant(0), length, b.constant(1)],
    regions: [body],
    attrs: { comparison: "lt" },
  });
  if (!withValue) return [undefined, gradient];
  const [value] = inline(tangent, [
    x,
    ...captured,
    b.emit("array.new", [length, b.constant(0)], "array", { kind: "Array" }),
  ]);
  return [value, gradient];
}
