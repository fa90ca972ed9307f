/**
 * Checks the invariants every pass must keep, so a bug is caught in the pass that made it:
 * - every value is defined once, by an op result, a region parameter or a function parameter;
 * - every operand and yield is defined earlier in its region or in an enclosing region;
 * - every op has the shape its definition requires (primitive arity and types, `if` yields, ...).
 * Throws an error naming the pass that ran last, the offending op with the lines around it, and
 * the whole printed function (as JAX's `check_jaxpr` shows the equation in its jaxpr).
 */
import { acceptsArity, primitive } from "../rules/primitives.js";
import { structuralOps } from "./ops.js";
import { printAround, printFunction } from "./printer.js";
import type { IRFunction, Op, Value } from "./types.js";
import { walk } from "./walk.js";

export class VerifierError extends Error {}

function primitiveProblem(op: Op): string | undefined {
  const p = primitive(op.opcode);
  if (!p) return `unknown opcode '${op.opcode}'`;
  if (!acceptsArity(p, op.operands.length)) return `wrong number of operands (${op.operands.length})`;
  if (op.results.length !== 1 || op.results[0]?.type !== p.result) return `expects one ${p.result} result`;
  if (op.regions.length !== 0) return "takes no regions";
  if (p.operands === "comparable") {
    const [a, b] = op.operands as [Value, Value];
    const comparable = a.type === b.type && (a.type === "number" || a.type === "string" || a.type === "boolean");
    return comparable ? undefined : `compares a ${a.type} with a ${b.type}`;
  }
  const expected = (i: number) =>
    p.operands === "booleans" || (p.operands === "condition-and-numbers" && i === 0) ? "boolean" : "number";
  const wrong = op.operands.findIndex((v, i) => v.type !== expected(i));
  return wrong >= 0 ? `operand ${wrong} should be ${expected(wrong)}` : undefined;
}

/** `pass`: the pass whose output this is, named in the error. */
export function verifyFunction(fn: IRFunction, pass?: string): void {
  const defined = new Set<Value>();
  const fail = (problem: string, op?: Op): never => {
    const where = op ? ` at '${op.opcode}'${op.loc ? ` (line ${op.loc.line})` : ""}` : "";
    const after = pass === undefined ? "" : ` after pass '${pass}'`;
    const around = op && printAround(fn, op);
    const excerpt = around === undefined ? "" : `${around}\n\nthe whole function:\n`;
    throw new VerifierError(
      `IR verification failed${after} in @${fn.name}${where}: ${problem}\n${excerpt}${printFunction(fn)}`,
    );
  };
  const define = (value: Value, op?: Op) => {
    if (defined.has(value)) fail(`value ${value.id} is defined twice`, op);
    defined.add(value);
  };
  // A region's values are visible from their definition to the end of the region, nested
  // regions included.
  const visible = new Set<Value>();
  const checkUse = (value: Value, op?: Op) => {
    if (!visible.has(value))
      fail(`value ${value.id}${value.name ? ` (${value.name})` : ""} is used where it is not defined`, op);
  };
  const defineVisible = (value: Value, op?: Op) => {
    define(value, op);
    visible.add(value);
  };

  fn.params.forEach((param) => defineVisible(param.value));
  walk(fn.body, {
    enterRegion: (region) => region.params.forEach((param) => defineVisible(param)),
    enterOp: (op) => {
      for (const operand of op.operands) checkUse(operand, op);
      const problem =
        structuralOps.get(op.opcode)?.check(op) ?? (structuralOps.has(op.opcode) ? undefined : primitiveProblem(op));
      if (problem) fail(problem, op);
    },
    leaveOp: (op) => op.results.forEach((result) => defineVisible(result, op)),
    leaveRegion: (region) => {
      for (const value of region.yields) checkUse(value);
      region.params.forEach((param) => visible.delete(param));
      region.ops.forEach((op) => op.results.forEach((result) => visible.delete(result)));
    },
  });
}
