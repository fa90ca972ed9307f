/**
 * Counted-loop analysis: for each `for` loop of a primal function, what its trip count and its
 * last counter value follow from, and which of the values it carries are induction variables.
 *
 * Accepts a verified primal IRFunction and its integer analysis; computed once. The reverse
 * transform sizes stacks by trip counts, runs reversed loops from the last counter value down,
 * and computes an induction variable from the reversed counter instead of storing it.
 *
 * The formulas (`tripCount`, `lastCounterValue`) are written against the rules' algebra, so the
 * same statement of them builds IR wherever the transform needs the value.
 */
import { operandOf } from "../ir/access.js";
import { isOp } from "../ir/attrs.js";
import { loopParts } from "../ir/loops.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import type { Algebra } from "../rules/algebra.js";
import { walk } from "../ir/walk.js";

export interface CountedLoop {
  /** The literal step. */
  step: number;
  /** `<=` or `>=`: the bound is itself a counter value. */
  inclusive: boolean;
  /** A step of 1 or -1 from an integer start to an integer bound: the trip count is the span. */
  unitSteps: boolean;
  /** `for (i = 0; i < a.length; i++)`: the trip count is a length, never negative. */
  countsLength: boolean;
}

/** A value a counted loop carries that adds the same integer literal in every iteration
 * (`lIndex++`), from an integer: its value in any iteration follows from the counter. */
export interface InductionVariable {
  init: Value;
  increment: Value;
}

export interface LoopAnalysis {
  counted: ReadonlyMap<Op, CountedLoop>;
  /** By the loop body's parameter that carries it. */
  inductions: ReadonlyMap<Value, InductionVariable>;
}

export function analyzeCountedLoops(fn: IRFunction, integers: ReadonlySet<Value>): LoopAnalysis {
  const definitions = new Map<Value, { op: Op; region: Region }>();
  const loops: Op[] = [];
  walk(fn.body, {
    enterOp: (op, region) => {
      op.results.forEach((r) => definitions.set(r, { op, region }));
      if (op.opcode === "for") loops.push(op);
    },
  });
  const counted = new Map<Op, CountedLoop>();
  const inductions = new Map<Value, InductionVariable>();
  for (const loop of loops) {
    const [start, bound, step] = [operandOf(loop, 0), operandOf(loop, 1), operandOf(loop, 2)];
    const stepDefinition = definitions.get(step)?.op;
    if (!stepDefinition || !isOp(stepDefinition, "const")) throw new Error("a loop step must be a literal");
    const stepValue = stepDefinition.attrs.value;
    const inclusive = loop.attrs.comparison === "le" || loop.attrs.comparison === "ge";
    counted.set(loop, {
      step: stepValue,
      inclusive,
      unitSteps: Math.abs(stepValue) === 1 && integers.has(start) && integers.has(bound),
      countsLength:
        !inclusive &&
        stepValue === 1 &&
        definitions.get(start)?.op.attrs.value === 0 &&
        definitions.get(bound)?.op.opcode === "array.length",
    });
    if (!Number.isInteger(stepValue) || !integers.has(start)) continue;
    const parts = loopParts(loop);
    if (!parts) throw new Error("a 'for' op is a loop");
    for (const { param, init, next } of parts.carried) {
      const update = definitions.get(next);
      if (update?.op.opcode !== "add" || update.region !== parts.body || !update.op.operands.includes(param)) continue;
      const [a, b] = [operandOf(update.op, 0), operandOf(update.op, 1)];
      const increment = a === param ? b : a;
      const literal = definitions.get(increment)?.op.opcode === "const";
      if (literal && integers.has(increment) && integers.has(init)) inductions.set(param, { init, increment });
    }
  }
  return { counted, inductions };
}

/** The number of iterations, from the loop's start and bound. */
export function tripCount<T>(m: Algebra<T>, loop: CountedLoop, start: T, bound: T): T {
  const span = loop.step > 0 ? m.apply("sub", bound, start) : m.apply("sub", start, bound);
  const steps = () => m.apply("div", span, m.num(Math.abs(loop.step)));
  const count = loop.unitSteps
    ? loop.inclusive
      ? m.apply("add", span, m.num(1))
      : span
    : loop.inclusive
      ? m.apply("add", m.apply("floor", steps()), m.num(1))
      : m.apply("ceil", steps());
  return loop.countsLength ? count : m.apply("max", m.num(0), count);
}

/**
 * The counter's value in the last iteration: `bound - 1` for `i < bound` counting up by one
 * from an integer to an integer, and in general start + (n - 1) * step with n the trip count.
 */
export function lastCounterValue<T>(m: Algebra<T>, loop: CountedLoop, start: T, bound: T, step: T): T {
  if (loop.unitSteps) return loop.inclusive ? bound : m.apply(loop.step > 0 ? "sub" : "add", bound, m.num(1));
  const quotient = m.apply("div", m.apply("sub", bound, start), step);
  const trips = loop.inclusive ? m.apply("add", m.apply("floor", quotient), m.num(1)) : m.apply("ceil", quotient);
  return m.apply("add", start, m.apply("mul", m.apply("sub", trips, m.num(1)), step));
}
