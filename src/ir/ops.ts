/**
 * The ops of the IR besides the primitives of `src/rules/primitives.ts`, one entry each: what it
 * computes, what it does besides (its effects), how a derivative flows through it, what computing
 * it again costs, and the shape it accepts. The verifier checks these shapes; passes may rely on
 * them. `op-definitions.ts` answers the same questions for every opcode, primitives included.
 *
 * An op is pure when it has no effect beyond its result (it may read, never write or allocate):
 * the backend may print it inline at its use, and dead-code removal may drop it when nothing
 * reads it.
 */
import type { Op, Region, Type } from "./types.js";

/**
 * What an op does besides computing its results:
 * - "reads-array": reads the elements or the length of an array operand (its value changes with them);
 * - "writes-array": writes into the elements of the array that is operand 0;
 * - "reads-cell", "writes-cell": reads or writes the accumulator that is operand 0;
 * - "allocates": makes a new array, stack or cell each time it runs;
 * - "stack": pushes onto, or pops from, the stack that is operand 0;
 * - "calls": calls a function, which may read and write its array operands;
 * - "regions": runs its regions, and so has the effects of their ops.
 */
export type Effect =
  "reads-array" | "writes-array" | "reads-cell" | "writes-cell" | "allocates" | "stack" | "calls" | "regions";

/**
 * Which operands a derivative flows through into the op's results:
 * - "all": every operand (arithmetic, an array literal, an object);
 * - `{ operand }`: that operand only (the array of `array.get`, the fill value of `array.new`);
 * - "call": with attrs.derivative, the operands attrs.partials names a cotangent for (all of them
 *   without attrs.partials); without attrs.derivative, as "opaque";
 * - "opaque": the result depends on every operand but has no derivative (a template): activity
 *   passes through it so that a derivative reaching it is reported;
 * - "stored-element": from the value `array.set` writes (operand 2) into the array (operand 0);
 * - "regions": through the values the regions of an `if` or a loop take and yield;
 * - "none": the result carries no derivative (a literal, a piecewise-constant primitive such as a
 *   comparison, an op of adjoint code).
 */
export type DerivativeFlow = "all" | { operand: number } | "call" | "opaque" | "stored-element" | "regions" | "none";

/**
 * What computing the op's result again in the reverse sweep costs, next to storing it for the
 * sweep (a push and a pop): "free" for a literal, "cheap" for one arithmetic or logic operation
 * or one array access, "costly" for anything else, ops that cannot run twice included.
 */
export type RecomputeCost = "free" | "cheap" | "costly";

/** What passes may rely on about an opcode. */
export interface OpFacts {
  effects: readonly Effect[];
  /** Two ops of this opcode with the same operands and attrs compute the same value (a read: while
   * its array is not written), so a pass may keep one of them and move it. */
  shareable: boolean;
  derivative: DerivativeFlow;
  recompute: RecomputeCost;
  /** The arithmetic an array index is computed with (`2 * layer + 1`). */
  indexArithmetic?: true;
  /** The result is part of operand 0 (a row of an array of arrays): writing into one writes into
   * the other. */
  resultAliasesOperand?: true;
}

export interface StructuralOpDefinition extends OpFacts {
  summary: string;
  /** Returns a problem with the op's shape, or undefined when it is well formed. */
  check(op: Op): string | undefined;
}

export interface StructuralOp extends StructuralOpDefinition {
  /** No effect beyond its result (see `isPureEffects`). */
  pure: boolean;
}

/** True when `effects` change nothing and make nothing: an op with them is pure. */
export function isPureEffects(effects: readonly Effect[]): boolean {
  return effects.every((effect) => effect === "reads-array" || effect === "reads-cell");
}

const types = (op: Op, side: "operands" | "results") => op[side].map((v) => v.type).join(", ");
const expectShape = (op: Op, operands: Type[], results: Type[], regions = 0): string | undefined => {
  if (types(op, "operands") !== operands.join(", ")) return `expects operands (${operands.join(", ")})`;
  if (types(op, "results") !== results.join(", ")) return `expects results (${results.join(", ")})`;
  if (op.regions.length !== regions) return `expects ${regions} regions`;
  return undefined;
};

const definitions = {
  const: {
    summary:
      "a literal number (attrs.value), printed as attrs.text when the source spelled it; attrs.definedAs is the literal of a top-level constant named attrs.text",
    effects: [],
    shareable: true,
    derivative: "none",
    recompute: "free",
    indexArithmetic: true,
    check: (op) =>
      expectShape(op, [], ["number"]) ?? (typeof op.attrs.value === "number" ? undefined : "needs attrs.value"),
  },
  string: {
    summary: "a literal string (attrs.value)",
    effects: [],
    shareable: true,
    derivative: "none",
    recompute: "free",
    check: (op) =>
      expectShape(op, [], ["string"]) ?? (typeof op.attrs.value === "string" ? undefined : "needs attrs.value"),
  },
  bool: {
    summary: "a literal boolean (attrs.value)",
    effects: [],
    shareable: true,
    derivative: "none",
    recompute: "free",
    check: (op) =>
      expectShape(op, [], ["boolean"]) ?? (typeof op.attrs.value === "boolean" ? undefined : "needs attrs.value"),
  },
  stop: {
    summary: "the operand's value, through which no derivative flows (`stopGradient(x)`)",
    effects: [],
    shareable: true,
    derivative: "none",
    recompute: "costly",
    check: (op) => expectShape(op, ["number"], ["number"]),
  },
  undef: {
    summary: "a placeholder yielded by a branch that does not compute a value another branch yields",
    effects: [],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      op.operands.length === 0 && op.results.length === 1 ? undefined : "expects no operands and one result",
  },
  if: {
    summary: "runs the first region when the condition holds, else the second; results are the taken region's yields",
    effects: ["regions"],
    shareable: false,
    derivative: "regions",
    recompute: "costly",
    check: (op) => {
      if (op.operands.length !== 1 || op.operands[0]?.type !== "boolean") return "expects one boolean condition";
      if (op.regions.length !== 2) return "expects two regions";
      for (const region of op.regions) {
        if (region.params.length !== 0) return "regions take no parameters";
        if (region.yields.length !== op.results.length) return "each region yields one value per result";
        const mismatch = region.yields.findIndex((v, i) => v.type !== op.results[i]?.type);
        if (mismatch >= 0) return `yield ${mismatch} has the wrong type`;
      }
      return undefined;
    },
  },
  call: {
    summary:
      "a call (attrs.callee); attrs.method makes operand 0 the receiver. With attrs.derivative, the reverse sweep calls that function: a rule (attrs.derivativeKind vjp) or a gradient (grad); attrs.partials names the cotangent of each operand, empty for none. Without, it is not differentiated",
    effects: ["calls"],
    shareable: false,
    derivative: "call",
    recompute: "costly",
    check: (op) =>
      typeof op.attrs.callee !== "string"
        ? "needs attrs.callee"
        : op.results.length > 1
          ? "has at most one result"
          : op.attrs.method === true && op.operands.length === 0
            ? "a method call needs a receiver"
            : undefined,
  },
  template: {
    summary: "a template literal: attrs.quasis around the operands, converted to strings",
    effects: [],
    shareable: false,
    derivative: "opaque",
    recompute: "costly",
    check: (op) => {
      const quasis = op.attrs.quasis;
      if (!Array.isArray(quasis) || quasis.length !== op.operands.length + 1)
        return "needs one more quasi than operands";
      return expectShape(
        op,
        op.operands.map((v) => v.type),
        ["string"],
      );
    },
  },
  for: {
    summary:
      "for (i = start; i <comparison> bound; i += step): operands start, bound, step, then the initial carried values; the region's parameters are i and the carried values, its yields the next carried values, the op's results the last ones",
    effects: ["regions"],
    shareable: false,
    derivative: "regions",
    recompute: "costly",
    check: (op) => {
      if (!["lt", "le", "gt", "ge"].includes(String(op.attrs.comparison)))
        return "needs attrs.comparison (lt, le, gt or ge)";
      if (op.regions.length !== 1) return "expects one region";
      const carried = op.operands.slice(3);
      const [body] = op.regions as [Region];
      if (op.operands.slice(0, 3).some((v) => v.type !== "number")) return "start, bound and step are numbers";
      if (body.params.length !== carried.length + 1 || body.params[0]?.type !== "number")
        return "the region takes the counter and one parameter per carried value";
      if (body.yields.length !== carried.length || op.results.length !== carried.length)
        return "one yield and one result per carried value";
      const mismatch = carried.findIndex(
        (v, i) =>
          v.type !== body.params[i + 1]?.type || v.type !== body.yields[i]?.type || v.type !== op.results[i]?.type,
      );
      return mismatch >= 0 ? `carried value ${mismatch} changes type` : undefined;
    },
  },
  while: {
    summary:
      "while (cond(carried)) carried = body(carried): operands are the initial carried values; region 0 computes the condition from its parameters without effects, region 1 yields the next carried values; the op's results are the last ones",
    effects: ["regions"],
    shareable: false,
    derivative: "regions",
    recompute: "costly",
    check: (op) => {
      if (op.regions.length !== 2) return "expects a condition region and a body region";
      const [condition, body] = op.regions as [Region, Region];
      const types = op.operands.map((v) => v.type).join(", ");
      if (
        condition.params.map((p) => p.type).join(", ") !== types ||
        body.params.map((p) => p.type).join(", ") !== types
      ) {
        return "both regions take one parameter per carried value";
      }
      if (condition.yields.length !== 1 || condition.yields[0]?.type !== "boolean")
        return "the condition region yields one boolean";
      if (condition.ops.some((inner) => inner.regions.length > 0 || inner.opcode === "call"))
        return "the condition has no effects";
      if (body.yields.map((v) => v.type).join(", ") !== types || op.results.map((v) => v.type).join(", ") !== types) {
        return "the body yields, and the op results in, one value per carried value";
      }
      return undefined;
    },
  },
  object: {
    summary: "an object whose leaves, at the dotted paths attrs.fields, are the operands",
    effects: [],
    shareable: false,
    derivative: "all",
    recompute: "costly",
    check: (op) => {
      const fields = op.attrs.fields;
      if (!Array.isArray(fields) || fields.length !== op.operands.length) return "needs one field path per operand";
      return expectShape(
        op,
        op.operands.map((v) => v.type),
        ["object"],
      );
    },
  },
  field: {
    summary: "the field at the dotted path attrs.path of an object a call returned (a derivative rule's result)",
    effects: [],
    shareable: true,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      op.operands.length === 1 &&
      op.operands[0]?.type === "object" &&
      op.results.length === 1 &&
      typeof op.attrs.path === "string"
        ? undefined
        : "expects one object operand, one result and attrs.path",
  },
  "array.get": {
    summary: "the element of an array at an index (with attrs.field, that field of an object element)",
    effects: ["reads-array"],
    shareable: true,
    derivative: { operand: 0 },
    recompute: "cheap",
    check: (op) => expectShape(op, ["array", "number"], ["number"]),
  },
  "array.row": {
    summary: "the row of an array of arrays at an index (itself an array)",
    effects: ["reads-array"],
    shareable: true,
    derivative: { operand: 0 },
    recompute: "cheap",
    resultAliasesOperand: true,
    check: (op) => expectShape(op, ["array", "number"], ["array"]),
  },
  "array.zerosLike": {
    summary:
      "a new array shaped like the operand: rows of attrs.rows holding zeros, or objects with the number fields attrs.fields set to zero",
    effects: ["allocates", "reads-array"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      expectShape(op, ["array"], ["array"]) ??
      (typeof op.attrs.rows === "string" || Array.isArray(op.attrs.fields)
        ? undefined
        : "needs attrs.rows or attrs.fields"),
  },
  "array.length": {
    summary: "the length of an array",
    effects: ["reads-array"],
    shareable: true,
    derivative: "none",
    recompute: "cheap",
    check: (op) => expectShape(op, ["array"], ["number"]),
  },
  "array.new": {
    summary: "a new array of attrs.kind with operand 0 elements, each equal to operand 1",
    effects: ["allocates"],
    shareable: false,
    derivative: { operand: 1 },
    recompute: "costly",
    check: (op) =>
      expectShape(op, ["number", "number"], ["array"]) ??
      (typeof op.attrs.kind === "string" ? undefined : "needs attrs.kind"),
  },
  "array.literal": {
    summary: "a new number[] holding the operands",
    effects: ["allocates"],
    shareable: false,
    derivative: "all",
    recompute: "costly",
    check: (op) =>
      expectShape(
        op,
        op.operands.map(() => "number" as const),
        ["array"],
      ),
  },
  "array.copy": {
    summary: "a new array of attrs.kind holding the elements of the operand (`.slice()`)",
    effects: ["allocates", "reads-array"],
    shareable: false,
    derivative: "all",
    recompute: "costly",
    check: (op) =>
      expectShape(op, ["array"], ["array"]) ?? (typeof op.attrs.kind === "string" ? undefined : "needs attrs.kind"),
  },
  "array.set": {
    summary:
      "writes operand 2 into the element of array operand 0 at index operand 1; attrs.grows when the index is the array's length (the array grows), attrs.push to print it as push",
    effects: ["writes-array"],
    shareable: false,
    derivative: "stored-element",
    recompute: "costly",
    check: (op) => expectShape(op, ["array", "number", "number"], []),
  },
  "array.addAll": {
    summary:
      "adds each element of array operand 1 (times operand 2, when there is one) into the same element of array operand 0; with attrs.upToShorter only the elements both arrays have",
    effects: ["writes-array", "reads-array"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      op.operands.length === 3
        ? expectShape(op, ["array", "array", "number"], [])
        : expectShape(op, ["array", "array"], []),
  },
  "array.zeros": {
    summary:
      "a new array of attrs.kind holding the operand's number of zeros; for the gradient of parameter attrs.output, the caller's array when it provides one",
    effects: ["allocates"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      expectShape(op, ["number"], ["array"]) ?? (typeof op.attrs.kind === "string" ? undefined : "needs attrs.kind"),
  },
  "array.add": {
    summary:
      "adds operand 2 into the element of array operand 0 at index operand 1 (with attrs.field, into that field of it)",
    effects: ["writes-array"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) => expectShape(op, ["array", "number", "number"], []),
  },
  "stack.new": {
    summary:
      "an empty stack of attrs.element values (number, boolean or array) for the reverse sweep; with an operand, a typed array of that capacity, else one that grows (a typed array doubled when full; a plain array for arrays)",
    effects: ["allocates"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      (op.operands.length === 0 ? expectShape(op, [], ["stack"]) : expectShape(op, ["number"], ["stack"])) ??
      (["number", "boolean", "array"].includes(String(op.attrs.element)) ? undefined : "needs attrs.element"),
  },
  "stack.push": {
    summary: "pushes operand 1 onto the stack",
    effects: ["stack"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      op.operands.length === 2 && op.operands[0]?.type === "stack" && op.results.length === 0
        ? undefined
        : "expects a stack and a value",
  },
  "stack.pop": {
    summary: "pops the value pushed last",
    effects: ["stack"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) =>
      op.operands.length === 1 && op.operands[0]?.type === "stack" && op.results.length === 1
        ? undefined
        : "expects a stack and one result",
  },
  "cell.new": {
    summary: "declares an adjoint accumulator holding the operand",
    effects: ["allocates"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) => expectShape(op, ["number"], ["cell"]),
  },
  "cell.add": {
    summary: "adds operand 1 into the accumulator operand 0",
    effects: ["writes-cell"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) => expectShape(op, ["cell", "number"], []),
  },
  "cell.set": {
    summary: "overwrites the accumulator operand 0 with operand 1",
    effects: ["writes-cell"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) => expectShape(op, ["cell", "number"], []),
  },
  "cell.read": {
    summary: "the current value of an accumulator",
    effects: ["reads-cell"],
    shareable: false,
    derivative: "none",
    recompute: "costly",
    check: (op) => expectShape(op, ["cell"], ["number"]),
  },
} satisfies Record<string, StructuralOpDefinition>;

export type StructuralOpcode = keyof typeof definitions;

export const structuralOps: ReadonlyMap<string, StructuralOp> = new Map(
  Object.entries(definitions).map(([opcode, definition]) => [
    opcode,
    { ...definition, pure: isPureEffects(definition.effects) },
  ]),
);
