/**
 * `continue outer` from inside an inner loop. The target loop gets a `continued` flag: the
 * statement sets it and leaves the inner iteration, every loop between stops on it (as on the
 * flag of a labeled break), and after the inner loop the rest of the target's iteration is
 * skipped (running the update of a `for` loop). The flag is set to false before each inner
 * loop that may set it, so every iteration of the target starts with it clear.
 */
import { loweringHints } from "../backend/naming.js";
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoopContext, LoweringContext, Outcome } from "./context.js";
import { lowerBranches } from "./control-flow.js";
import { labeledJumpTargets } from "./loops.js";

/** The enclosing loops a loop statement continues with a labeled continue, each given its flag. */
export function continuesOutOf(cx: LoweringContext, loop: ts.IterationStatement): LoopContext[] {
  const targets = labeledJumpTargets(cx, loop, ts.SyntaxKind.ContinueStatement);
  for (const target of targets) target.continued ??= cx.synthetic(loweringHints.continued);
  return targets;
}

/** The flags an inner loop stops on for the labeled continues in it, cleared before it runs. */
export function clearedContinueFlags(cx: LoweringContext, loop: ts.IterationStatement): ts.Symbol[] {
  return continuesOutOf(cx, loop).map((target) => {
    cx.env.set(target.continued!, cx.boolean(false));
    return target.continued!;
  });
}

/** `continue outer` inside an inner loop: sets outer's flag and leaves the inner iteration. */
export function lowerOuterContinue(cx: LoweringContext, target: LoopContext): Outcome {
  cx.env.set(target.continued!, cx.boolean(true));
  return "exits";
}

/**
 * Leaving the current iteration after an inner loop that may have continued it: when the
 * current loop is a `for` loop with an update and the inner loop continued it, the update runs
 * (`left` is whether the inner loop was left early, by any of its flags).
 */
export function leaveAfterInnerLoop(cx: LoweringContext, statement: ts.Node, left: Value): Outcome {
  const current = cx.innermostLoop();
  const continued = current.continued && cx.env.get(current.continued);
  if (!continued || !current.update) return "exits";
  const update = current.update;
  if (continued === left) {
    // The inner loop can only have been left by this continue.
    update();
    return "exits";
  }
  return lowerBranches(
    cx,
    statement,
    continued,
    () => {
      update();
      return "exits";
    },
    () => "exits",
  );
}
