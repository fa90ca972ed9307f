/**
 * What passes may rely on about every opcode, structural ops and primitives alike, and the
 * questions they ask of an op: is it pure, what does it read and write, which operands carry
 * its derivative, is it cheap to compute again.
 *
 * Structural ops state their facts in `ops.ts`. A primitive computes a number or a boolean from
 * its operands alone; a derivative flows through all of them unless the rule table says it has
 * none, and the two lists below say which are cheap and which are index arithmetic.
 *
 * A name that is no opcode (the verifier rejects it) has no facts: the queries answer as for an
 * op a pass may not touch (not pure, no effect a pass could reason about, no derivative).
 */
import { type KnownPrimitive, type PrimitiveName, primitives } from "../rules/primitives.js";
import { operandOf } from "./access.js";
import { isOp } from "./attrs.js";
import { type Effect, isPureEffects, type OpFacts, structuralOps } from "./ops.js";
import type { Op, Opcode, Value } from "./types.js";

/** The primitives one arithmetic or logic operation computes: computing one again in the
 * reverse sweep costs less than storing it for the sweep. */
const cheapPrimitives: ReadonlySet<PrimitiveName> = new Set<PrimitiveName>([
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
]);

/** The primitives an array index is computed with (`2 * layer + 1`), with `const`. */
const indexPrimitives: ReadonlySet<PrimitiveName> = new Set<PrimitiveName>(["add", "sub", "mul", "neg"]);

function primitiveFacts(p: KnownPrimitive): OpFacts {
  return {
    effects: [],
    shareable: true,
    derivative: p.derivative.kind === "partials" ? "all" : "none",
    recompute: cheapPrimitives.has(p.name) ? "cheap" : "costly",
    ...(indexPrimitives.has(p.name) ? { indexArithmetic: true } : {}),
  };
}

const definitions: ReadonlyMap<string, OpFacts> = new Map<string, OpFacts>([
  ...structuralOps,
  ...[...primitives.values()].map((p): [string, OpFacts] => [p.name, primitiveFacts(p)]),
]);

export function isOpcode(name: string): name is Opcode {
  return definitions.has(name);
}

/** Every opcode: the structural ops in the order of `ops.ts`, then the primitives. */
export const opcodes: readonly Opcode[] = [...definitions.keys()].filter(isOpcode);

/** The facts about `opcode`, or undefined for a name that is no opcode. */
export function opFacts(opcode: string): OpFacts | undefined {
  return definitions.get(opcode);
}

export function hasEffect(op: Op, effect: Effect): boolean {
  return opFacts(op.opcode)?.effects.includes(effect) ?? false;
}

/** No effect beyond its result: the backend may print it at its use, and nothing is lost when an
 * unread one is dropped. */
export function isPure(op: Op): boolean {
  const facts = opFacts(op.opcode);
  return facts !== undefined && isPureEffects(facts.effects);
}

/** Reads the elements or the length of an array operand: its value changes with them. */
export function readsArray(op: Op): boolean {
  return hasEffect(op, "reads-array");
}

/** Writes into the elements of the array that is its first operand. */
export function writesArray(op: Op): boolean {
  return hasEffect(op, "writes-array");
}

/** Writes into the array or the cell that is its first operand. */
export function writesFirstOperand(op: Op): boolean {
  return writesArray(op) || hasEffect(op, "writes-cell");
}

/** Makes a new array, stack or cell each time it runs. */
export function allocates(op: Op): boolean {
  return hasEffect(op, "allocates");
}

/** Calls a function, which may read and write the arrays passed to it. */
export function callsFunction(op: Op): boolean {
  return hasEffect(op, "calls");
}

/** Reads or writes the elements (or the length) of an array operand and keeps no part of it: the
 * array is not reachable through the op afterwards. */
export function usesArrayInPlace(op: Op): boolean {
  return (readsArray(op) || writesArray(op)) && opFacts(op.opcode)?.resultAliasesOperand !== true;
}

/** Two such ops with the same operands and attrs compute the same value (see `OpFacts.shareable`). */
export function isShareable(op: Op): boolean {
  return opFacts(op.opcode)?.shareable ?? false;
}

/** Computing it again in the reverse sweep costs less than storing it for the sweep. */
export function isCheapToRecompute(opcode: string): boolean {
  return opFacts(opcode)?.recompute === "cheap";
}

/** The arithmetic an array index is computed with (`2 * layer + 1`). */
export function isIndexArithmetic(op: Op): boolean {
  return opFacts(op.opcode)?.indexArithmetic === true;
}

/**
 * Whether the op's results carry a derivative from the operands `derivativeOperands` names:
 * "differentiable" (the reverse sweep has a rule for it), "opaque" (they would, but there is no
 * rule: an error where one is needed) or "none". `if`, loops and `array.set` are "none" here:
 * their derivatives pass through regions and arrays, which the analyses follow themselves.
 */
export function resultDerivative(op: Op): "differentiable" | "opaque" | "none" {
  const flow = opFacts(op.opcode)?.derivative;
  if (flow === "all" || typeof flow === "object") return "differentiable";
  if (flow === "call") return isOp(op, "call") && op.attrs.derivative !== undefined ? "differentiable" : "opaque";
  return flow === "opaque" ? "opaque" : "none";
}

/** The operands a derivative flows through into the op's results (see `resultDerivative`):
 * none when there is no such derivative. */
export function derivativeOperands(op: Op): Value[] {
  const flow = opFacts(op.opcode)?.derivative;
  if (typeof flow === "object") return [operandOf(op, flow.operand)];
  if (flow === "call" && isOp(op, "call")) {
    const partials = op.attrs.partials;
    return partials === undefined ? op.operands : op.operands.filter((_, i) => partials[i] !== "");
  }
  return flow === "all" || flow === "opaque" ? op.operands : [];
}
