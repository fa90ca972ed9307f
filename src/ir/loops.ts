/**
 * What `for` and `while` ops have in common: a body region whose parameters include the
 * carried values, initial values among the operands, and one result per carried value.
 */
import { at } from "./access.js";
import type { Op, Region, Value } from "./types.js";

/** One value a loop carries: the body's parameter binding it, its value before the loop, the
 * value the body yields for the next iteration, and the loop's result (its value after). */
export interface Carried {
  param: Value;
  init: Value;
  next: Value;
  result: Value;
}

export interface LoopParts {
  body: Region;
  /** The body's parameters that bind carried values (after the counter of a `for`). */
  carriedParams: Value[];
  inits: Value[];
  /** The condition region of a `while`. */
  condition?: Region;
  /** Each carried value with what goes with it, in order. */
  carried: Carried[];
}

export function loopParts(op: Op): LoopParts | undefined {
  if (op.opcode === "for") {
    const body = at(op.regions, 0, "region of 'for'");
    return withCarried(op, { body, carriedParams: body.params.slice(1), inits: op.operands.slice(3) });
  }
  if (op.opcode === "while") {
    const [condition, body] = [at(op.regions, 0, "region of 'while'"), at(op.regions, 1, "region of 'while'")];
    return withCarried(op, { body, carriedParams: body.params, inits: op.operands, condition });
  }
  return undefined;
}

function withCarried(op: Op, parts: Omit<LoopParts, "carried">): LoopParts {
  const carried = parts.carriedParams.map((param, j) => ({
    param,
    init: at(parts.inits, j, "initial carried value"),
    next: at(parts.body.yields, j, "yield of a loop body"),
    result: at(op.results, j, `result of '${op.opcode}'`),
  }));
  return { ...parts, carried };
}
