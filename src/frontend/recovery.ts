/**
 * Going on after an error, so that a function reports each of its errors, as tsc does, rather
 * than its first only. At the function's own top level (not in a branch, a loop or an inlined
 * helper), a statement that fails is recorded, the variables it declares or assigns are marked,
 * and lowering goes on with the next statement, from the state before the failed one. A
 * statement that reads or assigns a marked variable is skipped and marks its own: its errors
 * would follow from the first one. No IR is kept from a function with errors.
 */
import { ts } from "ts-morph";
import { type Diagnostic, DiagnosticError } from "../diagnostics.js";
import type { Region } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { assignmentTarget, containsReturn, readsAny } from "./syntax.js";

interface Recovery {
  /** The function body's region: statements lowered into it are at the top level. */
  body: Region;
  errors: Diagnostic[];
  /** Variables a failed or skipped statement declares or assigns. */
  tainted: Set<ts.Symbol>;
}

const recoveries = new WeakMap<LoweringContext, Recovery>();

/** Starts recording errors of the function's top-level statements. */
export function startRecovery(cx: LoweringContext): void {
  recoveries.set(cx, { body: cx.builder.region, errors: [], tainted: new Set() });
}

function atTopLevel(cx: LoweringContext, recovery: Recovery): boolean {
  return cx.builder.region === recovery.body && cx.loops.length === 0 && cx.inlined.length === 0;
}

/** The variables a statement declares or assigns (the root variable of a field or element write). */
function writtenBy(cx: LoweringContext, statement: ts.Statement): ts.Symbol[] {
  const written: ts.Symbol[] = [];
  const add = (node: ts.Node | undefined) => {
    const symbol = node && cx.checker.getSymbolAtLocation(node);
    if (symbol) written.push(symbol);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) || ts.isBindingElement(node)) {
      if (ts.isIdentifier(node.name)) add(node.name);
    }
    let target = assignmentTarget(node);
    while (target && (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)))
      target = target.expression;
    if (target && ts.isIdentifier(target)) add(target);
    ts.forEachChild(node, visit);
  };
  visit(statement);
  return written;
}

/**
 * After an error, what to do with a top-level statement: "skip" one that reads or writes a
 * marked variable (marking what it writes), "stop" at one that returns from inside a branch or
 * a loop (the statements after it are lowered into its branches, where nothing is skipped),
 * undefined to lower it.
 */
export function afterError(cx: LoweringContext, statement: ts.Statement): "skip" | "stop" | undefined {
  const recovery = recoveries.get(cx);
  if (!recovery || recovery.errors.length === 0 || !atTopLevel(cx, recovery)) return undefined;
  const written = writtenBy(cx, statement);
  if (readsAny(cx.checker, statement, [...recovery.tainted]) || written.some((s) => recovery.tainted.has(s))) {
    for (const symbol of written) recovery.tainted.add(symbol);
    return "skip";
  }
  return !ts.isReturnStatement(statement) && containsReturn(statement) ? "stop" : undefined;
}

/** Lowers a top-level statement; if it fails, records the error and restores the state before it. */
export function lowerRecovering(cx: LoweringContext, statement: ts.Statement, lower: () => void): void {
  const recovery = recoveries.get(cx);
  if (!recovery || !atTopLevel(cx, recovery)) return lower();
  // Only the variables the statement writes are saved (copying every variable at every
  // statement would make a long function's lowering quadratic). What a failed statement leaves
  // elsewhere (a helper's locals, a closure's writes) can only change which later errors are
  // reported: nothing is generated once there is one.
  const written = writtenBy(cx, statement).map((symbol) => [symbol, cx.env.get(symbol)] as const);
  const frame = cx.frame();
  const loc = cx.builder.loc;
  try {
    lower();
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    recovery.errors.push(error.diagnostic, ...error.others);
    for (const symbol of writtenBy(cx, statement)) recovery.tainted.add(symbol);
    for (const [symbol, value] of written) {
      if (value === undefined) cx.env.delete(symbol);
      else cx.env.set(symbol, value);
    }
    cx.restoreFrame(frame);
    cx.builder.loc = loc;
    cx.builder.region = recovery.body;
    cx.inlined.splice(0);
    cx.elementReads.clear();
  }
}

/** Throws the errors recorded, with `error` (the one that stopped the lowering) after them. */
export function throwRecovered(cx: LoweringContext, error?: unknown): void {
  const recorded = recoveries.get(cx)?.errors ?? [];
  if (error !== undefined && !(error instanceof DiagnosticError)) throw error;
  const all = [...recorded, ...(error ? [error.diagnostic, ...error.others] : [])];
  const [first, ...others] = all;
  if (first) throw new DiagnosticError(first, others);
}
