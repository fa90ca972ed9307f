/**
 * Activity analysis: which values carry a derivative.
 *
 * A value is *varied* when it depends, through ops with a derivative, on a differentiated
 * parameter, and *useful* when the returned value depends on it. It is *active* when both hold;
 * only active values get adjoint code. Zero-derivative primitives (comparisons, floor, sign, ...)
 * stop both directions. Ops the compiler cannot differentiate (`call`, `template`) pass both
 * along, so that a varied value reaching the result through one of them is found and reported.
 *
 * A loop carries activity from one iteration to the next, so the walks repeat until nothing
 * changes (at most a few times: each repetition adds values along a chain of carried ones).
 */
import { at, operandOf } from "../ir/access.js";
import { loopParts } from "../ir/loops.js";
import { derivativeOperands, resultDerivative } from "../ir/op-definitions.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { forEachOp } from "../ir/walk.js";

export interface Activity {
  varied: ReadonlySet<Value>;
  useful: ReadonlySet<Value>;
  isActive(value: Value): boolean;
}

export function analyzeActivity(fn: IRFunction): Activity {
  const varied = new Set<Value>(fn.params.filter((p) => p.differentiated).map((p) => p.value));
  const useful = new Set<Value>(fn.body.yields);
  const mark = (set: Set<Value>, value: Value, when: boolean) => {
    if (when && !set.has(value)) set.add(value);
  };

  const forward = (region: Region) => {
    for (const op of region.ops) {
      const loop = loopParts(op);
      if (op.opcode === "if") {
        op.regions.forEach(forward);
        op.results.forEach((result, i) =>
          mark(
            varied,
            result,
            op.regions.some((r) => varied.has(at(r.yields, i, "yield of a branch"))),
          ),
        );
      } else if (loop) {
        const { body, carried, condition } = loop;
        carried.forEach(({ param, init, next }) => mark(varied, param, varied.has(init) || varied.has(next)));
        condition?.params.forEach((param, i) => mark(varied, param, varied.has(at(carried, i).param)));
        if (condition) forward(condition);
        forward(body);
        carried.forEach(({ param, next, result }) => mark(varied, result, varied.has(param) || varied.has(next)));
      } else if (op.opcode === "array.set") {
        // Arrays are tracked as a whole: writing a varied value makes the array varied.
        mark(varied, operandOf(op, 0), varied.has(operandOf(op, 2)));
      } else if (derivativeOperands(op).some((v) => varied.has(v))) {
        op.results.forEach((r) => varied.add(r));
      }
    }
  };

  const backward = (region: Region) => {
    for (const op of region.ops.slice().reverse()) {
      const loop = loopParts(op);
      if (op.opcode === "if") {
        for (const r of op.regions) {
          r.yields.forEach((yielded, j) => mark(useful, yielded, useful.has(at(op.results, j, "result of 'if'"))));
          backward(r);
        }
      } else if (loop) {
        loop.carried.forEach(({ param, next, result }) => mark(useful, next, useful.has(result) || useful.has(param)));
        backward(loop.body);
        loop.carried.forEach(({ param, init }) => mark(useful, init, useful.has(param)));
      } else if (op.opcode === "array.set") {
        mark(useful, operandOf(op, 2), useful.has(operandOf(op, 0)));
      } else if (op.results.some((r) => useful.has(r))) {
        derivativeOperands(op).forEach((v) => useful.add(v));
      }
    }
  };

  // Loops carry activity around their back edge, so walk until nothing changes.
  for (let size = -1; size !== varied.size;) {
    size = varied.size;
    forward(fn.body);
  }
  for (let size = -1; size !== useful.size;) {
    size = useful.size;
    backward(fn.body);
  }
  return { varied, useful, isActive: (value) => varied.has(value) && useful.has(value) };
}

/**
 * The ops that have no derivative but lie on an active path: each is a compile-time error. A
 * call kept with its derivative counts when an argument its derivative has no cotangent for (a
 * parameter outside a recursive function's `wrt`) depends on a differentiated value: the
 * derivative through that argument would be lost.
 */
export function opaqueActiveOps(fn: IRFunction, activity: Activity): Op[] {
  const found: Op[] = [];
  forEachOp(fn.body.ops, (op) => {
    if (!op.results.some((r) => activity.useful.has(r))) return;
    const derivativeFlows = new Set(derivativeOperands(op));
    const lost =
      resultDerivative(op) === "differentiable" &&
      op.opcode === "call" &&
      op.operands.some(
        (v) => !derivativeFlows.has(v) && (v.type === "number" || v.type === "array") && activity.varied.has(v),
      );
    if ((resultDerivative(op) === "opaque" && op.operands.some((v) => activity.varied.has(v))) || lost) found.push(op);
  });
  return found;
}
