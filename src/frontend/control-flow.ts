/**
 * Branches: `if` statements, and the `if` ops that ternaries, short-circuits and early returns
 * become. A branch is lowered into its own region with its own copy of the environment; the
 * variables it assigns (for an object variable, its leaves: the slots) leave it as the `if`
 * op's results.
 */
import { loweringHints } from "../backend/naming.js";
import { ts } from "ts-morph";
import { emptyRegion } from "../ir/builder.js";
import type { Region, Type, Value } from "../ir/types.js";
import { chooseLiteralArrays, splitLiteralArrays } from "./branch-arrays.js";
import type { LoweringContext, Outcome } from "./context.js";
import { rejectFieldSetInOneBranch } from "./defaults.js";
import { lowerCondition } from "./expressions.js";
import { throwForUndefinedResult } from "./undefined-results.js";
import { fieldsOf, makeObject } from "./objects.js";
import { rejectOmittedAssignedIn } from "./omitted-parameters.js";
import { lowerStatements } from "./statements.js";
import { zip } from "../ir/access.js";
import { isOp } from "../ir/attrs.js";
import { keepClosedAcrossBranches } from "./undefined-values.js";

/** A variable, or one leaf of an object variable: what branches and loops carry. */
export interface Slot {
  symbol: ts.Symbol;
  path?: string;
}

export function slotName(slot: Slot): string {
  return slot.path === undefined ? slot.symbol.name : loweringHints.leaf(slot.symbol.name, slot.path);
}

/** Lowers `build` into a new region with its own copy of the environment. */
export function inBranch<R>(
  cx: LoweringContext,
  region: Region,
  entryEnv: Map<ts.Symbol, Value>,
  build: () => R,
): { result: R; env: Map<ts.Symbol, Value> } {
  cx.env = new Map(entryEnv);
  const loc = cx.builder.loc;
  const result = cx.builder.inRegion(region, build);
  cx.builder.loc = loc;
  const env = cx.env;
  cx.env = entryEnv;
  return { result, env };
}

/** `if (c) {...} else {...}` that neither returns nor leaves a loop. */
export function lowerIf(cx: LoweringContext, statement: ts.IfStatement): void {
  const condition = lowerCondition(cx, statement.expression);
  lowerBranches(
    cx,
    statement,
    condition,
    () => lowerStatements(cx, [statement.thenStatement]),
    () => lowerStatements(cx, statement.elseStatement ? [statement.elseStatement] : []),
  );
}

/**
 * An `if` op from two branches. When both return a value (a function-level `if` whose branches
 * hold the rest of the function), the op yields it. Otherwise the op yields every variable of
 * the enclosing scope a branch assigns, which afterwards names the op's result.
 */
export function lowerBranches(
  cx: LoweringContext,
  statement: ts.Node,
  condition: Value,
  lowerThen: () => Outcome,
  lowerElse: () => Outcome,
): Outcome {
  const known = constantCondition(cx, condition);
  if (known !== undefined) return known ? lowerThen() : lowerElse();
  const entryEnv = cx.env;
  const thenRegion = emptyRegion();
  const elseRegion = emptyRegion();
  const then = inBranch(cx, thenRegion, entryEnv, lowerThen);
  const otherwise = inBranch(cx, elseRegion, entryEnv, lowerElse);
  if (then.result === "throws" || otherwise.result === "throws") {
    return afterThrowingBranch(cx, condition, [thenRegion, elseRegion], [then, otherwise]);
  }
  if (typeof then.result === "object" && typeof otherwise.result === "object") {
    return choose(cx, condition, [thenRegion, elseRegion], [then.result, otherwise.result], () =>
      cx.fail(
        statement,
        "AD1004",
        "returning an array from inside a branch is supported only for arrays of one length in both branches: array literals, or arrays a literal builds that are written only at indices inside them",
        "return literals such as [a, b] from each branch, or one array at the end of the function",
      ),
    );
  }
  if (typeof then.result === "object" || typeof otherwise.result === "object") {
    // The other path reaches the end of the function, where it returns undefined.
    const falling = then.result === undefined ? then : otherwise;
    if (throwForUndefinedResult(cx, falling === then ? thenRegion : elseRegion)) {
      falling.result = "throws";
      return afterThrowingBranch(cx, condition, [thenRegion, elseRegion], [then, otherwise]);
    }
    cx.fail(
      statement,
      "AD1004",
      "one path of this branch returns a value and the other reaches the end of the function, which returns undefined there: differentiable code computes with numbers, arrays and objects, never undefined",
      "return a value on every path (a default after the if or switch), or throw an Error where no value makes sense",
    );
  }
  const thenEnv = then.env;
  const elseEnv = otherwise.env;
  const assigned = assignedSlots(cx, statement, entryEnv, thenEnv, elseEnv);
  const yieldOf = (env: Map<ts.Symbol, Value>, region: Region, slot: Slot, type: Type) => {
    const value = slotValue(cx, env, slot);
    if (value) return value;
    rejectOmittedAssignedIn(cx, statement, slot.symbol, "one branch only");
    if (slot.path !== undefined) rejectFieldSetInOneBranch(cx, statement, slot.symbol, slot.path);
    return cx.builder.inRegion(region, () => cx.builder.emit("undef", [], type));
  };
  const typedSlots = assigned.map((slot) => ({
    slot,
    type: (slotValue(cx, thenEnv, slot) ?? slotValue(cx, elseEnv, slot))!.type,
  }));
  const split = splitLiteralArrays(cx, [thenRegion, elseRegion], typedSlots, [thenEnv, elseEnv]);
  const typed = split?.slots ?? typedSlots;
  if (typed.some(({ type }) => type === "array")) {
    cx.fail(
      statement,
      "AD1004",
      "assigning an array variable in a branch is supported only when both branches assign it an array literal of one length",
      "assign literals such as [a, b] in both branches, or write into the array's elements instead",
    );
  }
  thenRegion.yields = typed.map(({ slot, type }) => yieldOf(thenEnv, thenRegion, slot, type));
  elseRegion.yields = typed.map(({ slot, type }) => yieldOf(elseEnv, elseRegion, slot, type));
  const op = cx.builder.op({
    opcode: "if",
    operands: [condition],
    regions: [thenRegion, elseRegion],
    results: typed.map(({ slot, type }) => ({ type, name: slotName(slot) })),
  });
  assignSlots(
    cx,
    cx.env,
    typed.map(({ slot }) => slot),
    op.results,
    entryEnv,
  );
  keepClosedAcrossBranches(
    cx,
    typed.map(({ slot }) => slot),
    [thenEnv, elseEnv],
    cx.env,
  );
  split?.rebuild();
  return then.result === undefined || otherwise.result === undefined ? undefined : "exits";
}

/**
 * An `if` one branch of which throws: the op keeps the throwing branch, and the other one's
 * code follows it in the enclosing region, where only that branch's variables flow on.
 */
function afterThrowingBranch(
  cx: LoweringContext,
  condition: Value,
  regions: [Region, Region],
  branches: [{ result: Outcome; env: Map<ts.Symbol, Value> }, { result: Outcome; env: Map<ts.Symbol, Value> }],
): Outcome {
  const live = branches.findIndex((branch) => branch.result !== "throws");
  const kept = regions.map((region, k) => (k === live ? emptyRegion() : region)) as [Region, Region];
  cx.builder.op({ opcode: "if", operands: [condition], regions: kept, results: [] });
  if (live < 0) return "throws";
  cx.builder.region.ops.push(...regions[live]!.ops);
  cx.env = branches[live]!.env;
  return branches[live]!.result;
}

/** The value of a condition known at compile time (`typeof x === "number"`); undefined otherwise. */
export function constantCondition(cx: LoweringContext, condition: Value): boolean | undefined {
  const definition = cx.definingOp(condition);
  return definition && isOp(definition, "bool") ? definition.attrs.value : undefined;
}

/** The slots of the variables declared before the branches that either branch assigns. */
export function assignedSlots(
  cx: LoweringContext,
  statement: ts.Node,
  entryEnv: Map<ts.Symbol, Value>,
  thenEnv: Map<ts.Symbol, Value>,
  elseEnv: Map<ts.Symbol, Value>,
): Slot[] {
  // Variables of the function (or inlined helper) being lowered, declared before the branch;
  // an inlined helper's parameters and locals belong to the helper, not to this scope.
  const owner = cx.owner();
  const declaredBefore = (symbol: ts.Symbol) => {
    const declaration = symbol.valueDeclaration;
    const inOwner =
      declaration !== undefined &&
      declaration.getSourceFile() === owner.getSourceFile() &&
      declaration.getStart() >= owner.getStart() &&
      declaration.getEnd() <= owner.getEnd();
    return (
      cx.syntheticSymbols.has(symbol) ||
      entryEnv.has(symbol) ||
      (inOwner && declaration.getEnd() <= statement.getStart(cx.sourceFile))
    );
  };
  const assignedSymbols = [...new Set([...thenEnv.keys(), ...elseEnv.keys()])].filter(
    (symbol) =>
      declaredBefore(symbol) &&
      (thenEnv.get(symbol) !== entryEnv.get(symbol) || elseEnv.get(symbol) !== entryEnv.get(symbol)),
  );
  return slotsOf(cx, assignedSymbols, [thenEnv, elseEnv, entryEnv]).filter(
    (slot) =>
      slotValue(cx, thenEnv, slot) !== slotValue(cx, entryEnv, slot) ||
      slotValue(cx, elseEnv, slot) !== slotValue(cx, entryEnv, slot),
  );
}

/**
 * An `if` op whose branches each end with one value of the same type; returns the chosen one.
 * An object is chosen leaf by leaf and built again after the `if` (objects never cross
 * regions, see src/ir/types.ts). Arrays, and objects of different fields, go to `reject`.
 */
export function choose(
  cx: LoweringContext,
  condition: Value,
  regions: [Region, Region],
  values: [Value, Value],
  reject: () => never,
): Value {
  const literalArrays = chooseLiteralArrays(cx, condition, regions, values);
  if (literalArrays) return literalArrays;
  const [first, second] = values;
  // Both branches give the array they were given (`return out` and `return identity(out)`):
  // an array is a reference, so it holds what either branch wrote into it.
  if (first === second && first.type === "array") {
    cx.builder.op({ opcode: "if", operands: [condition], regions, results: [] });
    return first;
  }
  // An object's leaf paths; undefined when the value chosen is no object.
  const paths = first.type === "object" ? [...fieldsOf(cx, first).keys()] : undefined;
  if (paths && fieldsOf(cx, second).size !== paths.length) reject();
  const leaves = values.map((value) => (paths ? paths.map((path) => fieldsOf(cx, value).get(path)) : [value]));
  const yields = leaves.map((list) =>
    list.map((leaf) => (leaf === undefined || leaf.type === "array" ? reject() : leaf)),
  );
  for (const [region, leavesOfRegion] of zip(regions, yields)) region.yields = leavesOfRegion;
  const results = cx.builder.op({
    opcode: "if",
    operands: [condition],
    regions,
    results: regions[0].yields.map((leaf) => ({ type: leaf.type })),
  }).results;
  if (paths) return makeObject(cx, new Map(zip(paths, results)));
  const [result] = results;
  if (!result) throw new Error("an if op choosing one value has one result");
  return result;
}

/** Runs a nested lowering that must not assign variables (a loop's condition). */
export function withoutAssignments<R>(cx: LoweringContext, node: ts.Node, lower: () => R): R {
  const before = new Map(cx.env);
  const result = lower();
  // Only variables that existed before count: an inlined helper binds its own parameters.
  if ([...before].some(([symbol, value]) => cx.env.get(symbol) !== value)) {
    cx.fail(
      node,
      "AD1004",
      "assignments inside the condition of a loop are not supported yet",
      "assign in the body of the loop, or in the update of a for loop",
    );
  }
  return result;
}

// ----- slots -----

/** The slots of variables: one per variable, one per leaf for an object variable (the
 * leaves any of `envs` holds). */
export function slotsOf(cx: LoweringContext, symbols: ts.Symbol[], envs: Map<ts.Symbol, Value>[]): Slot[] {
  return symbols.flatMap((symbol): Slot[] => {
    const objects = envs.map((env) => env.get(symbol)).filter((value) => value?.type === "object");
    if (objects.length === 0) return [{ symbol }];
    const paths = new Set(objects.flatMap((object) => [...fieldsOf(cx, object!).keys()]));
    return [...paths].map((path) => ({ symbol, path }));
  });
}

export function slotValue(cx: LoweringContext, env: Map<ts.Symbol, Value>, slot: Slot): Value | undefined {
  const value = env.get(slot.symbol);
  return value && slot.path !== undefined ? fieldsOf(cx, value).get(slot.path) : value;
}

/** Sets each slot in `env`: an object variable gets a new object holding the new leaves and,
 * for the leaves not among the slots, those it has in `base`. */
export function assignSlots(
  cx: LoweringContext,
  env: Map<ts.Symbol, Value>,
  slots: Slot[],
  values: Value[],
  base: Map<ts.Symbol, Value>,
): void {
  const objects = new Map<ts.Symbol, Map<string, Value>>();
  for (const [slot, value] of zip(slots, values)) {
    if (slot.path === undefined) {
      env.set(slot.symbol, value);
      continue;
    }
    let fields = objects.get(slot.symbol);
    if (!fields) {
      const before = base.get(slot.symbol);
      fields = new Map(before?.type === "object" ? fieldsOf(cx, before) : []);
      objects.set(slot.symbol, fields);
    }
    fields.set(slot.path, value);
  }
  objects.forEach((fields, symbol) => env.set(symbol, makeObject(cx, fields)));
}
