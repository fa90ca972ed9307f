/**
 * The ops of the IR besides the primitives of `src/rules/primitives.ts`, with what each one
 * accepts. The verifier checks these shapes; passes may rely on them.
 *
 * `pure` ops have no effect beyond their result: the backend may print them inline at their use,
 * and activity analysis may drop them when they are not needed.
 */
import type { Op, Region, Type } from "./types.js";

export interface StructuralOp {
  summary: string;
  pure: boolean;
  /** Returns a problem with the op's shape, or undefined when it is well formed. */
  check(op: Op): string | undefined;
}

const types = (op: Op, side: "operands" | "results") => op[side].map((v) => v.type).join(", ");
const expectShape = (op: Op, operands: Type[], results: Type[], regions = 0): string | undefined => {
  if (types(op, "operands") !== operands.join(", ")) return `expects operands (${operands.join(", ")})`;
  if (types(op, "results") !== results.join(", ")) return `expects results (${results.join(", ")})`;
  if (op.regions.length !== regions) return `expects ${regions} regions`;
  return undefined;
};

export const structuralOps: ReadonlyMap<string, StructuralOp> = new Map<string, StructuralOp>([
  [
    "const",
    {
      summary:
        "a literal number (attrs.value), printed as attrs.text when the source spelled it; attrs.definedAs is the literal of a top-level constant named attrs.text",
      pure: true,
      check: (op) =>
        expectShape(op, [], ["number"]) ?? (typeof op.attrs.value === "number" ? undefined : "needs attrs.value"),
    },
  ],
  [
    "string",
    {
      summary: "a literal string (attrs.value)",
      pure: true,
      check: (op) =>
        expectShape(op, [], ["string"]) ?? (typeof op.attrs.value === "string" ? undefined : "needs attrs.value"),
    },
  ],
  [
    "bool",
    {
      summary: "a literal boolean (attrs.value)",
      pure: true,
      check: (op) =>
        expectShape(op, [], ["boolean"]) ?? (typeof op.attrs.value === "boolean" ? undefined : "needs attrs.value"),
    },
  ],
  [
    "stop",
    {
      summary: "the operand's value, through which no derivative flows (`stopGradient(x)`)",
      pure: true,
      check: (op) => expectShape(op, ["number"], ["number"]),
    },
  ],
  [
    "undef",
    {
      summary: "a placeholder yielded by a branch that does not compute a value another branch yields",
      pure: true,
      check: (op) =>
        op.operands.length === 0 && op.results.length === 1 ? undefined : "expects no operands and one result",
    },
  ],
  [
    "if",
    {
      summary: "runs the first region when the condition holds, else the second; results are the taken region's yields",
      pure: false,
      check: (op) => {
        if (op.operands.length !== 1 || op.operands[0]!.type !== "boolean") return "expects one boolean condition";
        if (op.regions.length !== 2) return "expects two regions";
        for (const region of op.regions) {
          if (region.params.length !== 0) return "regions take no parameters";
          if (region.yields.length !== op.results.length) return "each region yields one value per result";
          const mismatch = region.yields.findIndex((v, i) => v.type !== op.results[i]!.type);
          if (mismatch >= 0) return `yield ${mismatch} has the wrong type`;
        }
        return undefined;
      },
    },
  ],
  [
    "call",
    {
      summary:
        "a call (attrs.callee); attrs.method makes operand 0 the receiver. With attrs.derivative, the reverse sweep calls that function: a rule (attrs.derivativeKind vjp) or a gradient (grad); attrs.partials names the cotangent of each operand, empty for none. Without, it is not differentiated",
      pure: false,
      check: (op) =>
        typeof op.attrs.callee !== "string"
          ? "needs attrs.callee"
          : op.results.length > 1
            ? "has at most one result"
            : op.attrs.method === true && op.operands.length === 0
              ? "a method call needs a receiver"
              : undefined,
    },
  ],
  [
    "template",
    {
      summary: "a template literal: attrs.quasis around the operands, converted to strings",
      pure: true,
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
  ],
  [
    "for",
    {
      summary:
        "for (i = start; i <comparison> bound; i += step): operands start, bound, step, then the initial carried values; the region's parameters are i and the carried values, its yields the next carried values, the op's results the last ones",
      pure: false,
      check: (op) => {
        if (!["lt", "le", "gt", "ge"].includes(String(op.attrs.comparison)))
          return "needs attrs.comparison (lt, le, gt or ge)";
        if (op.regions.length !== 1) return "expects one region";
        const carried = op.operands.slice(3);
        const [body] = op.regions as [Region];
        if (op.operands.slice(0, 3).some((v) => v.type !== "number")) return "start, bound and step are numbers";
        if (body.params.length !== carried.length + 1 || body.params[0]!.type !== "number")
          return "the region takes the counter and one parameter per carried value";
        if (body.yields.length !== carried.length || op.results.length !== carried.length)
          return "one yield and one result per carried value";
        const mismatch = carried.findIndex(
          (v, i) =>
            v.type !== body.params[i + 1]!.type || v.type !== body.yields[i]!.type || v.type !== op.results[i]!.type,
        );
        return mismatch >= 0 ? `carried value ${mismatch} changes type` : undefined;
      },
    },
  ],
  [
    "while",
    {
      summary:
        "while (cond(carried)) carried = body(carried): operands are the initial carried values; region 0 computes the condition from its parameters without effects, region 1 yields the next carried values; the op's results are the last ones",
      pure: false,
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
        if (condition.yields.length !== 1 || condition.yields[0]!.type !== "boolean")
          return "the condition region yields one boolean";
        if (condition.ops.some((inner) => inner.regions.length > 0 || inner.opcode === "call"))
          return "the condition has no effects";
        if (body.yields.map((v) => v.type).join(", ") !== types || op.results.map((v) => v.type).join(", ") !== types) {
          return "the body yields, and the op results in, one value per carried value";
        }
        return undefined;
      },
    },
  ],
  [
    "object",
    {
      summary: "an object whose leaves, at the dotted paths attrs.fields, are the operands",
      pure: true,
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
  ],
  [
    "field",
    {
      summary: "the field at the dotted path attrs.path of an object a call returned (a derivative rule's result)",
      pure: true,
      check: (op) =>
        op.operands.length === 1 &&
        op.operands[0]!.type === "object" &&
        op.results.length === 1 &&
        typeof op.attrs.path === "string"
          ? undefined
          : "expects one object operand, one result and attrs.path",
    },
  ],
  [
    "array.get",
    {
      summary: "the element of an array at an index (with attrs.field, that field of an object element)",
      pure: true,
      check: (op) => expectShape(op, ["array", "number"], ["number"]),
    },
  ],
  [
    "array.row",
    {
      summary: "the row of an array of arrays at an index (itself an array)",
      pure: true,
      check: (op) => expectShape(op, ["array", "number"], ["array"]),
    },
  ],
  [
    "array.zerosLike",
    {
      summary:
        "a new array shaped like the operand: rows of attrs.rows holding zeros, or objects with the number fields attrs.fields set to zero",
      pure: false,
      check: (op) =>
        expectShape(op, ["array"], ["array"]) ??
        (typeof op.attrs.rows === "string" || Array.isArray(op.attrs.fields)
          ? undefined
          : "needs attrs.rows or attrs.fields"),
    },
  ],
  [
    "array.length",
    {
      summary: "the length of an array",
      pure: true,
      check: (op) => expectShape(op, ["array"], ["number"]),
    },
  ],
  [
    "array.new",
    {
      summary: "a new array of attrs.kind with operand 0 elements, each equal to operand 1",
      pure: false,
      check: (op) =>
        expectShape(op, ["number", "number"], ["array"]) ??
        (typeof op.attrs.kind === "string" ? undefined : "needs attrs.kind"),
    },
  ],
  [
    "array.literal",
    {
      summary: "a new number[] holding the operands",
      pure: false,
      check: (op) =>
        expectShape(
          op,
          op.operands.map(() => "number" as const),
          ["array"],
        ),
    },
  ],
  [
    "array.copy",
    {
      summary: "a new array of attrs.kind holding the elements of the operand (`.slice()`)",
      pure: false,
      check: (op) =>
        expectShape(op, ["array"], ["array"]) ?? (typeof op.attrs.kind === "string" ? undefined : "needs attrs.kind"),
    },
  ],
  [
    "array.set",
    {
      summary:
        "writes operand 2 into the element of array operand 0 at index operand 1; attrs.grows when the index is the array's length (the array grows), attrs.push to print it as push",
      pure: false,
      check: (op) => expectShape(op, ["array", "number", "number"], []),
    },
  ],
  [
    "array.addAll",
    {
      summary:
        "adds each element of array operand 1 (times operand 2, when there is one) into the same element of array operand 0",
      pure: false,
      check: (op) =>
        op.operands.length === 3
          ? expectShape(op, ["array", "array", "number"], [])
          : expectShape(op, ["array", "array"], []),
    },
  ],
  [
    "array.zeros",
    {
      summary:
        "a new array of attrs.kind holding the operand's number of zeros; for the gradient of parameter attrs.output, the caller's array when it provides one",
      pure: false,
      check: (op) =>
        expectShape(op, ["number"], ["array"]) ?? (typeof op.attrs.kind === "string" ? undefined : "needs attrs.kind"),
    },
  ],
  [
    "array.add",
    {
      summary:
        "adds operand 2 into the element of array operand 0 at index operand 1 (with attrs.field, into that field of it)",
      pure: false,
      check: (op) => expectShape(op, ["array", "number", "number"], []),
    },
  ],
  [
    "stack.new",
    {
      summary:
        "an empty stack of attrs.element values (number, boolean or array) for the reverse sweep; with an operand, a typed array of that capacity, else one that grows (a typed array doubled when full; a plain array for arrays)",
      pure: false,
      check: (op) =>
        (op.operands.length === 0 ? expectShape(op, [], ["stack"]) : expectShape(op, ["number"], ["stack"])) ??
        (["number", "boolean", "array"].includes(String(op.attrs.element)) ? undefined : "needs attrs.element"),
    },
  ],
  [
    "stack.push",
    {
      summary: "pushes operand 1 onto the stack",
      pure: false,
      check: (op) =>
        op.operands.length === 2 && op.operands[0]!.type === "stack" && op.results.length === 0
          ? undefined
          : "expects a stack and a value",
    },
  ],
  [
    "stack.pop",
    {
      summary: "pops the value pushed last",
      pure: false,
      check: (op) =>
        op.operands.length === 1 && op.operands[0]!.type === "stack" && op.results.length === 1
          ? undefined
          : "expects a stack and one result",
    },
  ],
  [
    "cell.new",
    {
      summary: "declares an adjoint accumulator holding the operand",
      pure: false,
      check: (op) => expectShape(op, ["number"], ["cell"]),
    },
  ],
  [
    "cell.add",
    {
      summary: "adds operand 1 into the accumulator operand 0",
      pure: false,
      check: (op) => expectShape(op, ["cell", "number"], []),
    },
  ],
  [
    "cell.set",
    {
      summary: "overwrites the accumulator operand 0 with operand 1",
      pure: false,
      check: (op) => expectShape(op, ["cell", "number"], []),
    },
  ],
  [
    "cell.read",
    {
      summary: "the current value of an accumulator",
      pure: true,
      check: (op) => expectShape(op, ["cell"], ["number"]),
    },
  ],
]);
