/**
 * What `for` and `while` ops have in common: a body region whose parameters include the
 * carried values, initial values among the operands, and one result per carried value.
 */
import type { Op, Region, Value } from "./types.js";

export interface LoopParts {
  body: Region;
  /** The body's parameters that bind carried values (after the counter of a `for`). */
  carriedParams: Value[];
  inits: Value[];
  /** The condition region of a `while`. */
  condition?: Region;
}

export function loopParts(op: Op): LoopParts | undefined {
  if (op.opcode === "for") {
    const [body] = op.regions as [Region];
    return { body, carriedParams: body.params.slice(1), inits: op.operands.slice(3) };
  }
  if (op.opcode === "while") {
    const [condition, body] = op.regions as [Region, Region];
    return { body, carriedParams: body.params, inits: op.operands, condition };
  }
  return undefined;
}
