/**
 * Values known to hold one literal number wherever they are read: literals, sums, products and
 * quotients of them, and what a cell nothing writes into gives back when it was made with one
 * (the cotangent 1 of a gradient, passed from cell to cell). Cells themselves are included,
 * with the number they hold. The backend prints such a value as its literal (`1 * 0.5` as
 * `0.5`), which TypeScript types as that literal.
 */
import { operandOf } from "../ir/access.js";
import type { IRFunction, Op, Value } from "../ir/types.js";
import { forEachOp } from "../ir/walk.js";
import { primitive } from "../rules/primitives.js";

/** The operations whose result is a literal when their operands are. */
const arithmetic = new Set(["add", "sub", "mul", "div", "neg"]);

/** The cells the ops (nested ones too) add into or set. */
export function cellsWrittenIn(ops: readonly Op[]): Set<Value> {
  const written = new Set<Value>();
  forEachOp(ops, (op) => {
    if (op.opcode === "cell.add" || op.opcode === "cell.set") written.add(operandOf(op, 0));
  });
  return written;
}

/** Each value (and cell) of `fn` known to hold one literal number, with that number (ops are
 * visited in order, so a cell is known before it is read). */
export function literalValues(fn: IRFunction): Map<Value, number> {
  const written = cellsWrittenIn(fn.body.ops);
  const literals = new Map<Value, number>();
  forEachOp(fn.body.ops, (op) => {
    const result = op.results[0];
    if (result === undefined) return;
    if (op.opcode === "const" && typeof op.attrs.value === "number") literals.set(result, op.attrs.value);
    else if (op.opcode === "cell.new" && !written.has(result) && literals.has(operandOf(op, 0)))
      literals.set(result, literals.get(operandOf(op, 0))!);
    else if (op.opcode === "cell.read" && literals.has(operandOf(op, 0)))
      literals.set(result, literals.get(operandOf(op, 0))!);
    else if (arithmetic.has(op.opcode) && op.operands.every((v) => literals.has(v)))
      literals.set(result, primitive(op.opcode)!.evaluate(...op.operands.map((v) => literals.get(v)!)) as number);
  });
  return literals;
}
