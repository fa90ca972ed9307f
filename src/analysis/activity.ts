/**
 * Activity analysis: which values carry a derivative.
 *
 * A value is *varied* when it depends, through ops with a derivative, on a differentiated
 * parameter, and *useful* when the returned value depends on it. It is *active* when both hold;
 * only active values get adjoint code. Zero-derivative primitives (comparisons, floor, sign, ...)
 * stop both directions. Ops the compiler cannot differentiate (`call`, `template`) pass both
 * along, so that a varied value reaching the result through one of them is found and reported.
 *
 * The IR has no loops yet, so one forward and one backward walk reach the fixed point; loops
 * will iterate these walks over their bodies until nothing changes.
 */
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { primitive } from "../rules/primitives.js";

export interface Activity {
  varied: ReadonlySet<Value>;
  useful: ReadonlySet<Value>;
  isActive(value: Value): boolean;
}

type Flow = "differentiable" | "opaque" | "none";

function flowOf(op: Op): Flow {
  if (op.opcode === "call" || op.opcode === "template") return "opaque";
  const p = primitive(op.opcode);
  return p?.derivative.kind === "partials" ? "differentiable" : "none";
}

export function analyzeActivity(fn: IRFunction): Activity {
  const varied = new Set<Value>(fn.params.filter((p) => p.differentiated).map((p) => p.value));
  const useful = new Set<Value>(fn.body.yields);

  const forward = (region: Region) => {
    for (const op of region.ops) {
      if (op.opcode === "if") {
        op.regions.forEach(forward);
        op.results.forEach((result, i) => {
          if (op.regions.some((r) => varied.has(r.yields[i]!))) varied.add(result);
        });
      } else if (flowOf(op) !== "none" && op.operands.some((v) => varied.has(v))) {
        op.results.forEach((r) => varied.add(r));
      }
    }
  };

  const backward = (region: Region) => {
    for (let i = region.ops.length - 1; i >= 0; i--) {
      const op = region.ops[i]!;
      if (op.opcode === "if") {
        for (const r of op.regions) {
          op.results.forEach((result, j) => {
            if (useful.has(result)) useful.add(r.yields[j]!);
          });
          backward(r);
        }
      } else if (flowOf(op) !== "none" && op.results.some((r) => useful.has(r))) {
        op.operands.forEach((v) => useful.add(v));
      }
    }
  };

  forward(fn.body);
  backward(fn.body);
  return { varied, useful, isActive: (value) => varied.has(value) && useful.has(value) };
}

/** The ops that have no derivative but lie on an active path: each is a compile-time error. */
export function opaqueActiveOps(fn: IRFunction, activity: Activity): Op[] {
  const found: Op[] = [];
  const visit = (region: Region) => {
    for (const op of region.ops) {
      op.regions.forEach(visit);
      if (flowOf(op) === "opaque" && op.results.some((r) => activity.useful.has(r)) && op.operands.some((v) => activity.varied.has(v))) {
        found.push(op);
      }
    }
  };
  visit(fn.body);
  return found;
}
