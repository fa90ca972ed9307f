/**
 * Function values chosen when the code runs: a factory that returns one of several functions by
 * a condition on values known only when the code runs (bezier-easing's `bezier(x1, y1, x2, y2)`
 * returns `LinearEasing` when `x1 === y1 && x2 === y2`, and otherwise a closure over the
 * curve's coefficients).
 *
 * The factory's call evaluates the condition once and lowers each path of the factory, up to
 * the return it ends with, once: the function value is a FunctionChoice, the condition and the
 * function each path returns (a closure keeps its own path's locals). A call through a choice is
 * an `if` op whose branches inline each alternative, `cond ? LinearEasing(x) : BezierEasing(x)`.
 * A conditional expression of functions (`const f = x > 0 ? square : cube`) is a choice too.
 *
 * The paths are lowered one after the other where the factory is called, not in branches, so
 * they may only compute: numbers, and arrays they make and fill. A path that would do what can
 * be seen outside it (throw, call a function kept as a call, write into an array it did not
 * make, assign a variable of the caller) is a diagnostic, since every path would do it; so is
 * such an arm of a conditional expression.
 */
import { ts } from "ts-morph";
import { operandOf } from "../ir/access.js";
import { emptyRegion } from "../ir/builder.js";
import { isOp } from "../ir/attrs.js";
import type { Effect } from "../ir/ops.js";
import { allocates, hasEffect, opFacts, writesArray } from "../ir/op-definitions.js";
import type { Op, Region, Value } from "../ir/types.js";
import { findOp } from "../ir/walk.js";
import { type PrimitiveName, primitives } from "../rules/primitives.js";
import type { FunctionNode } from "./annotations.js";
import { type Arm, chooseArm, lowerArm } from "./conditional-values.js";
import type { LoweringContext } from "./context.js";
import { constantCondition, inBranch, lowerBranches } from "./control-flow.js";
import { lowerCondition } from "./expressions.js";
import { type Callable, FunctionValue } from "./functions.js";

/** One of two functions, chosen by a condition the factory's call computed. */
export class FunctionChoice {
  constructor(
    readonly condition: Value,
    readonly whenTrue: Callable,
    readonly whenFalse: Callable,
  ) {}

  get alternatives(): [Callable, Callable] {
    return [this.whenTrue, this.whenFalse];
  }
}

/** The functions of the program a choice may call. */
export function alternativeNodes(choice: FunctionChoice): FunctionNode[] {
  return choice.alternatives.flatMap((alternative) => {
    if (alternative instanceof FunctionChoice) return alternativeNodes(alternative);
    return alternative instanceof FunctionValue ? [alternative.node] : [];
  });
}

/**
 * What a factory returns after `if (condition) ...` whose condition is known only when the code
 * runs: the choice between what the path through each branch (followed by `rest`) returns, as
 * `returnedBy` lowers it; undefined when a path returns no function.
 */
export function choiceAtRunTime(
  cx: LoweringContext,
  factory: FunctionNode,
  statement: ts.IfStatement,
  rest: readonly ts.Statement[],
  returnedBy: (path: readonly ts.Statement[]) => Callable | undefined,
): Callable | undefined {
  const condition = lowerCondition(cx, statement.expression);
  const paths = [statement.thenStatement, statement.elseStatement].map((branch) => [
    ...(branch ? [branch] : []),
    ...rest,
  ]);
  const known = constantCondition(cx, condition);
  if (known !== undefined) return returnedBy(known ? paths[0]! : paths[1]!);
  const [whenTrue, whenFalse] = paths.map((path) =>
    lowerPath(
      cx,
      factory,
      () => returnedBy(path),
      (effect) => rejectPathEffect(cx, statement, effect),
    ),
  );
  return whenTrue && whenFalse && new FunctionChoice(condition, whenTrue, whenFalse);
}

/**
 * `condition ? f : g` of functions: the function `valueOf` gives for the arm the condition
 * takes, when it is known at compile time, else the choice between both arms' functions, each
 * arm evaluated where the choice is made (so it may only compute, as a factory's path).
 */
export function conditionalChoice(
  cx: LoweringContext,
  node: ts.ConditionalExpression,
  valueOf: (arm: ts.Expression) => Callable,
): Callable {
  const condition = lowerCondition(cx, node.condition);
  const known = constantCondition(cx, condition);
  if (known !== undefined) return valueOf(known ? node.whenTrue : node.whenFalse);
  const [whenTrue, whenFalse] = [node.whenTrue, node.whenFalse].map((arm) =>
    lowerPath(
      cx,
      arm,
      () => valueOf(arm),
      (effect) =>
        cx.fail(
          arm,
          "AD1004",
          `the function is chosen by a condition when the code runs, and this arm ${effect}: the compiler evaluates both arms where the choice is made, so they may only compute values`,
          "do it before choosing, or choose between functions declared before",
        ),
    ),
  );
  return new FunctionChoice(condition, whenTrue!, whenFalse!);
}

function rejectPathEffect(cx: LoweringContext, statement: ts.IfStatement, effect: string): never {
  return cx.fail(
    statement,
    "AD1004",
    `the function this factory returns is chosen here when the code runs, and code after this choice ${effect}: the compiler runs the code of every path where the factory is called, so after a choice of functions it may only compute values`,
    "move what it does before the `if` that chooses the function, or into the function returned",
  );
}

/** Lowers one path to a function where the choice is made, with its own variables; `reject`
 * is told what the path does that is seen outside `scope` (see the file's comment). */
function lowerPath<R>(cx: LoweringContext, scope: ts.Node, lower: () => R, reject: (effect: string) => never): R {
  const region = emptyRegion();
  const functions = new Map(cx.functions);
  const entryEnv = cx.env;
  const { result, env } = inBranch(cx, region, entryEnv, lower);
  const effect = visibleEffect(scope, region, entryEnv, env);
  if (effect) reject(effect);
  cx.functions.clear();
  functions.forEach((fn, symbol) => cx.functions.set(symbol, fn));
  cx.builder.region.ops.push(...region.ops);
  return result;
}

/** The effects a path may have: computing, running its regions, making arrays. */
const computing: ReadonlySet<Effect> = new Set<Effect>(["reads-array", "reads-cell", "regions", "allocates"]);

/** What a path does that is seen outside it, said for a diagnostic; undefined for nothing. */
function visibleEffect(
  scope: ts.Node,
  region: Region,
  entryEnv: ReadonlyMap<ts.Symbol, Value>,
  env: ReadonlyMap<ts.Symbol, Value>,
): string | undefined {
  const made = new Set<Value>();
  const constants = new Set<Value>();
  const seen = findOp(region.ops, (op) => {
    if (isOp(op, "const")) constants.add(op.results[0]!);
    if (mayHaveSingularPartial(op, constants)) return true;
    if (allocates(op)) op.results.forEach((result) => made.add(result));
    if (writesArray(op)) return !made.has(operandOf(op, 0));
    return !(opFacts(op.opcode)?.effects ?? []).every((effect) => computing.has(effect));
  });
  if (seen) return describe(seen);
  const assigned = [...env].find(
    ([symbol, value]) => entryEnv.get(symbol) !== value && entryEnv.has(symbol) && !isDeclaredIn(scope, symbol),
  );
  return assigned && `assigns '${assigned[0].name}', a variable declared outside it`;
}

/**
 * Primitives whose partial derivatives are finite wherever they are evaluated. The code of every
 * path runs where the choice is made, also that of the paths not taken, whose values reach the
 * gradient multiplied by zero: a partial that may be infinite or NaN there (`Math.sqrt` of a
 * negative number) would make the gradient NaN. Division is finite by a constant.
 */
const finitePartials: ReadonlySet<string> = new Set(["add", "sub", "mul", "neg", "select", "min", "max", "abs"]);

function mayHaveSingularPartial(op: Op, constants: ReadonlySet<Value>): boolean {
  if (!primitives.has(op.opcode as PrimitiveName) || opFacts(op.opcode)?.derivative !== "all") return false;
  if (finitePartials.has(op.opcode)) return false;
  return !(op.opcode === "div" && constants.has(operandOf(op, 1)));
}

function describe(op: Op): string {
  if (mayHaveSingularPartial(op, new Set())) {
    const name = op.opcode === "div" ? "a division by a computed number" : `'${op.opcode}'`;
    return `computes ${name}, whose derivative may be infinite or NaN where its path is not the one taken`;
  }
  if (isOp(op, "call")) return op.attrs.throws ? "throws" : `calls '${op.attrs.callee}'`;
  if (writesArray(op)) return "writes into an array it did not make";
  if (hasEffect(op, "calls")) return "calls a function";
  return "changes state the function's caller sees";
}

function isDeclaredIn(node: ts.Node, symbol: ts.Symbol): boolean {
  const declaration = symbol.valueDeclaration;
  return (
    declaration !== undefined &&
    declaration.getSourceFile() === node.getSourceFile() &&
    declaration.pos >= node.pos &&
    declaration.end <= node.end
  );
}

/**
 * A call through a choice: an `if` op calling each alternative (`callOne` inlines it) in its
 * branch, giving the result of the one called.
 */
export function callChoice(
  cx: LoweringContext,
  call: ts.CallExpression,
  choice: FunctionChoice,
  callOne: (target: Callable) => Value | undefined,
): Value | undefined {
  const [whenTrue, whenFalse] = choice.alternatives;
  if (cx.irType(cx.checker.getTypeAtLocation(call)) === "void") {
    const callFor = (target: Callable) => () => {
      callOne(target);
      return undefined;
    };
    lowerBranches(cx, call, choice.condition, callFor(whenTrue), callFor(whenFalse));
    return undefined;
  }
  const arms = choice.alternatives.map((target) =>
    lowerArm(cx, () => callOne(target) ?? cx.rejectType(call, "the call's result")),
  ) as [Arm, Arm];
  return chooseArm(cx, call, choice.condition, arms, () =>
    cx.fail(
      call,
      "AD1004",
      "the functions this call may call (chosen when the code runs) return arrays, or objects of different fields: the compiler chooses between numbers, and objects of the same fields",
      "return numbers or objects of the same fields from each function, or call each function in the branches of an if",
    ),
  );
}
