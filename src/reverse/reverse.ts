/**
 * Reverse mode: turns a primal function into its gradient function.
 *
 * Accepts: a verified primal IRFunction (the frontend's output) and its activity.
 * Produces: an IRFunction with the same parameters whose body is
 *   1. the forward sweep: the primal body, op for op (so `value` is bit-for-bit the primal's),
 *      plus the storage the reverse sweep needs (stack pushes, a counter per `while` loop);
 *   2. the reverse sweep: for each active op, last to first, its adjoint statements; for an `if`,
 *      an `if` on the same condition whose branches hold the reversed branches; for a loop, a
 *      counted loop running the reversed body once per forward iteration, last first (or first
 *      to last, when its iterations are independent: iteration-order.ts);
 * and which yields the primal value followed by one adjoint per differentiated parameter.
 *
 * The steps (each a pass of src/pipeline.ts): `planRecording`, `buildForwardSweep`,
 * `writeAdjoints`. The adjoint writer (adjoint-writer.ts) knows no math, and the rules know
 * nothing of adjoints.
 *
 * Storage is decided before adjoints are written (src/reverse/recording.ts): the adjoint writer
 * first runs against a recording that decides, at each primal value it reads, how the reverse
 * sweep gets it, and throws that run's reverse sweep away; the forward sweep is then built from
 * those decisions, and the writer runs again, reading each value as decided. The writer itself
 * never changes the forward sweep. Planning may run twice: when some reversed loops would give
 * the same adjoints in any order, the plan is made again with them in primal order (their
 * passive recurrences replayed rather than stacked), and kept only if they still qualify.
 */
import type { Activity } from "../analysis/activity.js";
import { gradientFunctionName } from "../backend/naming.js";
import { analyzeCountedLoops, type LoopAnalysis } from "../analysis/counted-loops.js";
import { integerValues } from "../analysis/integers.js";
import { at } from "../ir/access.js";
import { Builder, ValueFactory } from "../ir/builder.js";
import type { IRFunction, Op, Region, Value } from "../ir/types.js";
import { AdjointWriter } from "./adjoint-writer.js";
import { Contributions } from "./contributions.js";
import { ForwardSweep } from "./forward-sweep.js";
import { poppingLoops, runsInAnyOrder } from "./iteration-order.js";
import { Recording } from "./recording.js";

export interface GradientIR {
  fn: IRFunction;
  /** The body's first `forwardOpCount` ops are the forward sweep; the rest are the reverse sweep. */
  forwardOpCount: number;
}

/** What the three steps of reverse mode share: the forward sweep and the recording plan. */
export interface ReverseModeState {
  primal: IRFunction;
  activity: Activity;
  loops: LoopAnalysis;
  values: ValueFactory;
  forward: ForwardSweep;
  recording: Recording;
  contributions: Contributions;
}

/**
 * The recording plan of `primal`'s gradient: the adjoint writer runs with a recording that
 * decides how the reverse sweep reads each value it asks for; that run's reverse sweep is dropped.
 *
 * Where that sweep pops, in a reversed loop whose iterations could run in any order, only values
 * the loop carries without a derivative (see iteration-order.ts), the plan is made again with
 * those loops reversed in primal order, replaying the values instead of storing them; it is
 * kept if the new sweep pops nothing in them and they still run in any order.
 */
export function planRecording(primal: IRFunction, activity: Activity): ReverseModeState {
  const first = plannedWith(primal, activity, new Set());
  const { recording } = first.state;
  const pushed = new Map<Value, Value>();
  recording.reads.forEach((read, value) => read.how === "stack" && pushed.set(read.popped, value));
  const candidates = new Set<Op>();
  poppingLoops(first.reversedBodies).forEach((popped, forwardLoop) => {
    const loop = first.state.forward.primalOp.get(forwardLoop)!;
    const replayable = (v: Value) => recording.replayableIn(loop, pushed.get(v)!);
    if (popped.some(replayable) && runsInAnyOrder(first.reversedBodies.get(forwardLoop)!, replayable))
      candidates.add(loop);
  });
  if (candidates.size === 0) return first.state;
  const second = plannedWith(primal, activity, candidates);
  const kept = [...second.reversedBodies].every(
    ([forwardLoop, body]) =>
      !candidates.has(second.state.forward.primalOp.get(forwardLoop)!) || runsInAnyOrder(body, () => false),
  );
  return kept ? second.state : first.state;
}

function plannedWith(primal: IRFunction, activity: Activity, inPrimalOrder: ReadonlySet<Op>) {
  const loops = analyzeCountedLoops(primal, integerValues(primal));
  const values = new ValueFactory();
  const forward = new ForwardSweep(primal, values);
  const builderFor = (region: Region) => new Builder(values, region);
  const recording = new Recording(forward, activity, loops, values, builderFor, inPrimalOrder);
  const contributions = new Contributions(primal, activity, forward.primalRegionOf);
  const state = { primal, activity, loops, values, forward, recording, contributions };
  const writer = new AdjointWriter(state);
  writer.write();
  recording.finishPlanning();
  return { state, reversedBodies: writer.reversedLoopBodies };
}

/** The forward sweep with the plan's storage in it; returns how many ops of the body it is. */
export function buildForwardSweep(state: ReverseModeState): number {
  return state.forward.apply(state.recording.edits, state.recording.entry.region.ops);
}

/** The forward sweep alone, as a function yielding the primal value (to print and verify it). */
export function forwardSweepFunction(state: ReverseModeState): IRFunction {
  const { primal, forward } = state;
  const body = { params: [], ops: forward.body.ops, yields: [forwardReturned(state)] };
  return { name: primal.name, params: forward.params, body, loc: primal.loc };
}

/** The forward sweep's copy of the value the primal returns. */
function forwardReturned({ primal, forward }: ReverseModeState): Value {
  return forward.forward.get(at(primal.body.yields, 0, "returned value"))!;
}

/** The gradient: the forward sweep, then the reverse sweep the writer writes following the plan. */
export function writeAdjoints(state: ReverseModeState, forwardOpCount: number): GradientIR {
  const { primal, forward } = state;
  const written = new AdjointWriter(state).write();
  const body = forward.body;
  body.yields = [forwardReturned(state), ...written.grads];
  body.ops.push(...written.ops);
  const fn: IRFunction = {
    name: gradientFunctionName(primal.name, primal.returnsArray !== undefined || primal.returnsObject !== undefined),
    params: written.params,
    body,
    loc: primal.loc,
  };
  if (primal.returnsArray) fn.returnsArray = primal.returnsArray;
  if (primal.returnsObject) fn.returnsObject = primal.returnsObject;
  return { fn, forwardOpCount };
}
