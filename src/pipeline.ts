/**
 * The compiler's passes over one differentiable function, in the order they run:
 *
 *   lower               frontend: the TypeScript function -> primal IR
 *   dead-code           drops the objects and element-field reads the lowering left unread
 *   shared-values       an unnamed value computed again from the same operands is shared
 *   loop-invariants     values a loop does not change move out of it
 *   activity            analysis: which values carry a derivative (an error where one cannot)
 *   recording           analysis: how the reverse sweep gets each value it reads (storage)
 *   forward-sweep       the primal copied, with the storage the recording plan places in it
 *   reverse             the adjoints, written after the forward sweep: the gradient IR
 *   reverse-dead-code   drops the pure reverse-sweep ops the adjoint algebra left unread
 *   reverse-rows        rows the reverse sweep reads move out of the loops they do not change
 *
 * then the backend prints the gradient IR as TypeScript. Each IR pass changes the IR in place
 * and keeps it verified; the verifier runs after lowering and at the end of each stage, and
 * after every pass with `verifyEach` (the tests and `adjoint --verify-each`), so a bug is
 * caught in the pass that made it. `dumpAfter` collects the IR after the named passes
 * (`adjoint --dump-ir=<pass>`); an analysis's dump is the IR with its findings as notes.
 */
import { type Activity, analyzeActivity, opaqueActiveOps } from "./analysis/activity.js";
import { isOp } from "./ir/attrs.js";
import { isPure } from "./ir/op-definitions.js";
import { printAnnotated, printFunction } from "./ir/printer.js";
import type { IRFunction, Op } from "./ir/types.js";
import { verifyFunction } from "./ir/verifier.js";
import { removeDeadOps } from "./optimize/dead-code.js";
import { hoistLoopInvariants, hoistReverseRowReads } from "./optimize/hoist.js";
import { shareRepeatedValues } from "./optimize/shared-values.js";
import { printRecordingPlan } from "./reverse/recording.js";
import {
  buildForwardSweep,
  forwardSweepFunction,
  type GradientIR,
  planRecording,
  writeAdjoints,
} from "./reverse/reverse.js";

/** A pass that changes IR of type `T` in place. */
export interface Pass<T> {
  name: string;
  run(ir: T): void;
}

/** What the lowering builds only to read fields from: objects and element fields of objects. */
const isLoweringLeftover = (op: Op) =>
  op.opcode === "object" || (isOp(op, "array.get") && op.attrs.field !== undefined);

export const primalPasses: readonly Pass<IRFunction>[] = [
  { name: "dead-code", run: (fn) => removeDeadOps(fn.body, isLoweringLeftover) },
  { name: "shared-values", run: shareRepeatedValues },
  { name: "loop-invariants", run: hoistLoopInvariants },
];

export const gradientPasses: readonly Pass<GradientIR>[] = [
  // The forward sweep is the user's code, op for op: only the reverse sweep is swept.
  { name: "reverse-dead-code", run: (g) => removeDeadOps(g.fn.body, isPure, g.forwardOpCount) },
  { name: "reverse-rows", run: hoistReverseRowReads },
];

/** Every pass name `dumpAfter` accepts, in order. */
export const passNames: readonly string[] = [
  "lower",
  ...primalPasses.map((p) => p.name),
  "activity",
  "recording",
  "forward-sweep",
  "reverse",
  ...gradientPasses.map((p) => p.name),
];

export interface PipelineOptions {
  /** Verify the IR after every pass, not only after lowering and at the end of each stage. */
  verifyEach?: boolean;
  /** Collect the IR after these passes (names from `passNames`), or after every pass. */
  dumpAfter?: ReadonlySet<string> | "all";
}

/** The IR after one pass, printed. */
export interface PassDump {
  pass: string;
  text: string;
}

export type PipelineResult =
  | { primal: IRFunction; gradient: GradientIR; dumps: PassDump[] }
  /** The ops on a derivative's path that have no derivative: each is a compile-time error. */
  | { opaque: Op[] };

/** Runs the passes after lowering on the lowered `primal`. */
export function runPipeline(primal: IRFunction, options: PipelineOptions = {}): PipelineResult {
  const dumps: PassDump[] = [];
  const dump = (pass: string, text: () => string) => {
    if (options.dumpAfter === "all" || options.dumpAfter?.has(pass)) dumps.push({ pass, text: text() });
  };
  const finished = (pass: string, fn: IRFunction, last: boolean, reverseSweepStart?: number) => {
    if (options.verifyEach || last) verifyFunction(fn, pass);
    dump(pass, () => printFunction(fn, reverseSweepStart));
  };

  finished("lower", primal, true);
  primalPasses.forEach((pass, i) => {
    pass.run(primal);
    finished(pass.name, primal, i === primalPasses.length - 1);
  });
  const activity = analyzeActivity(primal);
  dump("activity", () => printAnnotated(primal, { note: activityNote(activity) }));
  const opaque = opaqueActiveOps(primal, activity);
  if (opaque.length > 0) return { opaque };

  const reverseMode = planRecording(primal, activity);
  dump("recording", () => printRecordingPlan(forwardSweepFunction(reverseMode), reverseMode.recording));
  const forwardOpCount = buildForwardSweep(reverseMode);
  finished("forward-sweep", forwardSweepFunction(reverseMode), false);
  const gradient = writeAdjoints(reverseMode, forwardOpCount);
  finished("reverse", gradient.fn, false, gradient.forwardOpCount);
  gradientPasses.forEach((pass, i) => {
    pass.run(gradient);
    finished(pass.name, gradient.fn, i === gradientPasses.length - 1, gradient.forwardOpCount);
  });
  return { primal, gradient, dumps };
}

/** `active` after an op with a result that carries a derivative. */
function activityNote(activity: Activity): (op: Op) => string | undefined {
  return (op) => (op.results.some((r) => activity.isActive(r)) ? "active" : undefined);
}
