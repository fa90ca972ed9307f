/**
 * Integer analysis: which values of a primal function are always integers.
 *
 * Accepts a verified primal IRFunction; computed once, read by the counted-loop analysis and the
 * reverse transform (a counter recomputed from an integer start is exact; a trip count of
 * integers needs no rounding).
 *
 * Integers are `int` parameters, integer literals, lengths, sums, differences and products of
 * integers, the counter of a `for` loop whose start is one, and a value a `for` loop carries
 * when its start and what each iteration yields are. A loop-carried value depends on itself
 * around the loop: it is taken to be an integer unless something it depends on is not (which
 * holds by induction over the iterations), so the analysis is the greatest fixpoint: a value is
 * an integer unless it depends, through these rules, on a value that is not.
 */
import { at, operandOf } from "../ir/access.js";
import { loopParts } from "../ir/loops.js";
import { forEachOp } from "../ir/walk.js";
import type { IRFunction, Op, Value } from "../ir/types.js";

/** The values each value's integrality follows from, or `false` when it is not an integer. */
type Rule = Value[] | false;

export function integerValues(fn: IRFunction): ReadonlySet<Value> {
  const rules = new Map<Value, Rule>();
  for (const p of fn.params) rules.set(p.value, p.integer === true ? [] : false);
  forEachOp(fn.body.ops, (op) => {
    if (op.opcode === "for") forRules(op, rules);
    else op.regions.forEach((r) => r.params.forEach((p) => rules.set(p, false)));
    op.results.forEach((result, j) => rules.set(result, resultRule(op, j)));
  });

  // What is not an integer makes everything that depends on it not one either.
  const dependents = new Map<Value, Value[]>();
  const notIntegers: Value[] = [];
  for (const [value, rule] of rules) {
    if (rule === false) notIntegers.push(value);
    else
      for (const dependency of rule) {
        const list = dependents.get(dependency);
        if (list) list.push(value);
        else dependents.set(dependency, [value]);
      }
  }
  const integers = new Set(rules.keys());
  for (let value = notIntegers.pop(); value !== undefined; value = notIntegers.pop()) {
    if (!integers.delete(value)) continue;
    notIntegers.push(...(dependents.get(value) ?? []));
  }
  return integers;
}

/** The counter follows the start; a carried value its initial value and the value yielded. */
function forRules(op: Op, rules: Map<Value, Rule>): void {
  const loop = loopParts(op);
  if (!loop) throw new Error("a 'for' op is a loop");
  rules.set(at(loop.body.params, 0, "counter of a 'for' loop"), [operandOf(op, 0)]);
  loop.carried.forEach(({ param, init, next }) => rules.set(param, [init, next]));
}

function resultRule(op: Op, j: number): Rule {
  switch (op.opcode) {
    case "const":
      return Number.isInteger(op.attrs.value) ? [] : false;
    case "array.length":
      return [];
    case "add":
    case "sub":
    case "mul":
      return op.operands;
    case "for": {
      const carried = at(loopParts(op)?.carried ?? [], j, "value a 'for' loop carries");
      return [carried.init, carried.next];
    }
    default:
      return false;
  }
}
