/**
 * Loops. A counted `for` loop, and a `for...of` loop that neither breaks nor returns, become
 * `for` ops whose region takes the counter and the carried values and yields the carried
 * values for the next iteration; every other loop becomes a `while` op, whose condition region
 * reads the flags that `break` and `return` set (see lowerWhile).
 */
import { loweringHints } from "../backend/naming.js";
import { ts } from "ts-morph";
import { isOp } from "../ir/attrs.js";
import { emptyRegion } from "../ir/builder.js";
import type { Region, Value } from "../ir/types.js";
import { elementOf } from "./arrays.js";
import type { LoopContext, LoweringContext } from "./context.js";
import { assignSlots, inBranch, type Slot, slotName, slotsOf, slotValue, withoutAssignments } from "./control-flow.js";
import { lowerCondition, lowerExpression, lowerNumber } from "./expressions.js";
import {
  type Carried,
  carriedArrayReason,
  carriedVariables,
  changedByBody,
  countedForm,
  type CountedParts,
  type LoopComparison,
} from "./loop-analysis.js";
import { arrayLength, objectArrayPaths } from "./object-arrays.js";
import { bindPattern, makeObject } from "./objects.js";
import { clearedContinueFlags, continuesOutOf } from "./labeled-continue.js";
import { lowerStatements } from "./statements.js";
import { variableType, varCounterReadAfter } from "./uninitialized-variables.js";
import { forgetIterationLocals } from "./iteration-locals.js";
import { breaks, containsReturn } from "./syntax.js";
import { zip } from "../ir/access.js";

export function lowerLoop(cx: LoweringContext, statement: ts.IterationStatement, label?: string): void {
  lowerLoopStatement(cx, statement, label);
  forgetIterationLocals(cx, statement);
}

function lowerLoopStatement(cx: LoweringContext, statement: ts.IterationStatement, label?: string): void {
  const exits =
    containsReturn(statement.statement) ||
    breaks(statement, label) ||
    breaksOutOf(cx, statement).length > 0 ||
    continuesOutOf(cx, statement).length > 0;
  if (ts.isForStatement(statement)) {
    const form = exits || varCounterReadAfter(cx, statement) ? undefined : countedForm(cx, statement);
    if (form?.counted) return lowerFor(cx, statement, form.parts, label);
    // A loop whose header is counted has its unassigned carried variables declared before
    // its initializer, by the question whether it is counted: the order the IR has always had.
    if (form?.carried) declareCarried(cx, form.carried);
    return lowerGeneralFor(cx, statement, label);
  }
  if (ts.isForOfStatement(statement)) {
    if (!exits && !changedByBody(cx, statement.expression, statement.statement)) lowerForOf(cx, statement, label);
    else lowerGeneralForOf(cx, statement, label);
  } else if (ts.isWhileStatement(statement) || ts.isDoStatement(statement)) {
    const condition = statement.expression;
    lowerWhile(cx, statement, label, {
      condition: () => lowerCondition(cx, condition),
      doWhile: ts.isDoStatement(statement),
    });
  } else {
    cx.unsupported(statement);
  }
}

/** The enclosing loops a loop statement breaks out of with a labeled break. */
export function breaksOutOf(cx: LoweringContext, loop: ts.IterationStatement): LoopContext[] {
  return labeledJumpTargets(cx, loop, ts.SyntaxKind.BreakStatement);
}

/** The enclosing loops the labeled `break`s (or `continue`s) of a loop statement jump to. */
export function labeledJumpTargets(
  cx: LoweringContext,
  loop: ts.IterationStatement,
  kind: ts.SyntaxKind.BreakStatement | ts.SyntaxKind.ContinueStatement,
): LoopContext[] {
  const targets: LoopContext[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind === kind && (node as ts.BreakOrContinueStatement).label) {
      const label = (node as ts.BreakOrContinueStatement).label!.text;
      const target = cx.loops.find((l) => l.label === label);
      if (target && !targets.includes(target)) targets.push(target);
    }
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  visit(loop.statement);
  return targets;
}

// ----- carried values -----

/** The loop-carried variables of `loop` (see carriedVariables), each with a value. */
function carriedBy(cx: LoweringContext, loop: ts.IterationStatement): ts.Symbol[] {
  return declareCarried(cx, carriedVariables(cx, loop));
}

/** Gives each carried variable without a value its placeholder; returns the variables. */
export function declareCarried(cx: LoweringContext, carried: Carried[]): ts.Symbol[] {
  for (const { symbol, unassigned } of carried) {
    if (unassigned && !cx.env.has(symbol)) cx.env.set(symbol, undefinedValue(cx, unassigned.name, `'${symbol.name}'`));
  }
  return carried.map((c) => c.symbol);
}

/** The placeholder value of a variable declared without a value: `let v: Vec2;`. */
function undefinedValue(cx: LoweringContext, name: ts.Node, what: string): Value {
  const type = ts.isIdentifier(name) ? variableType(cx, name) : cx.typeOf(name, what);
  if (type !== "object") return cx.builder.emit("undef", [], type);
  const leaves = cx.types.leaves(cx.checker.getTypeAtLocation(name));
  return makeObject(cx, new Map(leaves.map((leaf) => [leaf.path, cx.builder.emit("undef", [], leaf.type)])));
}

export function rejectCarriedArrays(cx: LoweringContext, loop: ts.Node, carried: ts.Symbol[]): void {
  const array = carried.find((symbol) => cx.env.get(symbol)!.type === "array");
  if (array) cx.rejectLoop(loop, carriedArrayReason(array));
}

/** The slots a loop carries: its carried variables, and every leaf but arrays of an object
 * variable (arrays are references: the loop writes into them, it cannot replace them). */
function loopSlots(cx: LoweringContext, carried: ts.Symbol[], entryEnv: Map<ts.Symbol, Value>): Slot[] {
  return slotsOf(cx, carried, [entryEnv]).filter(
    (slot) => slot.path === undefined || slotValue(cx, entryEnv, slot)!.type !== "array",
  );
}

/**
 * A variable of the enclosing code the body changed but the loop does not carry would keep its
 * value of the last iteration lowered, once, instead of each iteration's: a wrong answer. Which
 * variables a loop carries is decided from the source beforehand (carriedVariables), so a
 * difference here is a lowering bug, reported as one.
 */
function rejectUncarriedChanges(
  carried: readonly ts.Symbol[],
  counter: ts.Symbol | undefined,
  bodyEnv: Map<ts.Symbol, Value>,
  env: Map<ts.Symbol, Value>,
): void {
  for (const [symbol, before] of bodyEnv) {
    if (symbol === counter || carried.includes(symbol)) continue;
    const after = env.get(symbol);
    if (after !== undefined && after !== before)
      throw new Error(`the loop changes '${symbol.name}', which it does not carry`);
  }
}

/** The values a loop body yields for its slots; replacing an object's array is rejected. */
function loopYields(
  cx: LoweringContext,
  loop: ts.Node,
  slots: Slot[],
  carried: ts.Symbol[],
  entryEnv: Map<ts.Symbol, Value>,
  env: Map<ts.Symbol, Value>,
): Value[] {
  for (const slot of slotsOf(cx, carried, [entryEnv])) {
    const after = slotValue(cx, env, slot);
    if (after === undefined || (after.type === "array" && after !== slotValue(cx, entryEnv, slot))) {
      cx.rejectLoop(
        loop,
        `the loop replaces the field '${slot.path}' of '${slot.symbol.name}'; assign its numbers instead`,
      );
    }
  }
  // A field the body adds is not carried: after the loop the object would lack it again.
  for (const slot of slotsOf(cx, carried, [env])) {
    if (slot.path !== undefined && entryEnv.get(slot.symbol)?.type === "object" && !slotValue(cx, entryEnv, slot)) {
      cx.fail(
        loop,
        "AD1004",
        `the loop sets the field '${slot.path}' of '${slot.symbol.name}', which it does not have before the loop: whether it is undefined after the loop is known only when the code runs`,
        `give '${slot.symbol.name}.${slot.path}' a value before the loop`,
      );
    }
  }
  return slots.map((slot) => slotValue(cx, env, slot)!);
}

// ----- counted loops -----

/** A counted `for` loop (see countedForm). */
function lowerFor(cx: LoweringContext, statement: ts.ForStatement, parts: CountedParts, label?: string): void {
  const { declaration, counter, boundExpression, step, comparison } = parts;
  const carried = declareCarried(cx, parts.carried);
  cx.integerSymbols.add(counter);
  const start = lowerNumber(cx, declaration.initializer);
  const bound = lowerNumber(cx, boundExpression);
  const loop = { counter, counterName: declaration.name.text, start, bound, step, comparison, carried };
  emitCountedLoop(cx, statement, loop, () => lowerLoopBody(cx, statement, label));
}

/** `for (const v of xs)`: a counted loop over the indices of xs. */
function lowerForOf(cx: LoweringContext, statement: ts.ForOfStatement, label: string | undefined): void {
  const list = statement.initializer;
  const declaration =
    ts.isVariableDeclarationList(list) && list.declarations.length === 1 ? list.declarations[0] : undefined;
  if (!declaration || statement.awaitModifier) {
    cx.rejectLoop(statement, "for...of must declare one variable, as in for (const v of xs)");
  }
  const array = lowerExpression(cx, statement.expression);
  if (array.type !== "array" && !objectArrayPaths(cx, statement.expression, array))
    cx.rejectLoop(statement.expression, "for...of is supported over numeric arrays");
  const start = cx.builder.constant(0);
  const bound = arrayLength(cx, array);
  const carried = carriedBy(cx, statement);
  rejectCarriedArrays(cx, statement, carried);
  const loop: CountedLoop = { counterName: "i", start, bound, step: 1, comparison: "lt", carried };
  emitCountedLoop(cx, statement, loop, (index) => {
    bindPattern(cx, declaration.name, elementOf(cx, statement.expression, array, index));
    lowerLoopBody(cx, statement, label);
  });
}

/** The body of a counted loop, which neither breaks nor returns (those loops are `while` ops). */
function lowerLoopBody(cx: LoweringContext, loop: ts.IterationStatement, label: string | undefined): void {
  cx.loops.push(label === undefined ? { node: loop } : { node: loop, label });
  lowerStatements(cx, [loop.statement], true);
  cx.loops.pop();
}

/** What a `for` op counts: from `start` while `counter comparison bound`, by `step`. */
export interface CountedLoop {
  /** The variable the source names the counter by, if any. */
  counter?: ts.Symbol;
  counterName: string;
  start: Value;
  bound: Value;
  step: number;
  comparison: LoopComparison;
  carried: ts.Symbol[];
}

/** A `for` op; `lowerBody` lowers one iteration, given the counter's value. */
export function emitCountedLoop(
  cx: LoweringContext,
  statement: ts.Node,
  loop: CountedLoop,
  lowerBody: (index: Value) => void,
): void {
  const { counter, counterName, start, bound, step, comparison, carried } = loop;
  const stepValue = cx.builder.constant(step);
  const index = cx.values.value("number", counterName);
  const entryEnv = cx.env;
  const slots = loopSlots(cx, carried, entryEnv);
  const inits = slots.map((slot) => slotValue(cx, entryEnv, slot)!);
  const params = zip(slots, inits).map(([slot, init]) => cx.values.value(init.type, slotName(slot)));
  const body = emptyRegion([index, ...params]);
  const bodyEnv = new Map(entryEnv);
  if (counter) bodyEnv.set(counter, index);
  const { env } = inBranch(cx, body, bodyEnv, () => {
    assignSlots(cx, cx.env, slots, params, entryEnv);
    lowerBody(index);
  });
  rejectUncarriedChanges(carried, counter, bodyEnv, env);
  body.yields = loopYields(cx, statement, slots, carried, entryEnv, env);
  const op = cx.builder.op({
    opcode: "for",
    operands: [start, bound, stepValue, ...inits],
    regions: [body],
    results: zip(slots, params).map(([slot, param]) => ({ type: param.type, name: slotName(slot) })),
    attrs: { comparison },
    loc: cx.location(statement),
  });
  assignSlots(cx, cx.env, slots, op.results, entryEnv);
}

// ----- general loops -----

/** A `for` loop that is not counted: its initializer, then a `while` loop with the update. */
function lowerGeneralFor(cx: LoweringContext, statement: ts.ForStatement, label: string | undefined): void {
  const { initializer, condition, incrementor } = statement;
  if (initializer && ts.isVariableDeclarationList(initializer)) {
    for (const declaration of initializer.declarations) {
      if (!ts.isIdentifier(declaration.name) || !declaration.initializer) cx.unsupported(declaration);
      cx.bind(cx.symbolOf(declaration.name), lowerExpression(cx, declaration.initializer));
    }
  } else if (initializer) {
    lowerExpression(cx, initializer);
  }
  lowerWhile(cx, statement, label, {
    condition: () => (condition ? lowerCondition(cx, condition) : cx.boolean(true)),
    ...(incrementor ? { update: () => void lowerExpression(cx, incrementor) } : {}),
  });
}

/** `for (const v of xs)` that breaks or returns: a `while` loop over an index. */
function lowerGeneralForOf(cx: LoweringContext, statement: ts.ForOfStatement, label: string | undefined): void {
  const list = statement.initializer;
  const declaration =
    ts.isVariableDeclarationList(list) && list.declarations.length === 1 ? list.declarations[0] : undefined;
  if (!declaration) return cx.rejectLoop(statement, "for...of must declare one variable");
  const array = lowerExpression(cx, statement.expression);
  if (array.type !== "array" && !objectArrayPaths(cx, statement.expression, array))
    cx.rejectLoop(statement.expression, "for...of is supported over numeric arrays");
  const index = cx.synthetic(loweringHints.index);
  cx.env.set(index, cx.builder.constant(0));
  lowerWhile(cx, statement, label, {
    condition: () => cx.builder.emit("lt", [cx.env.get(index)!, arrayLength(cx, array)], "boolean"),
    beforeBody: () => bindPattern(cx, declaration.name, elementOf(cx, statement.expression, array, cx.env.get(index)!)),
    update: () => cx.env.set(index, cx.builder.emit("add", [cx.env.get(index)!, cx.builder.constant(1)], "number")),
    carried: [index],
  });
}

/** How a loop lowered as a `while` op tests, updates and starts each iteration. */
interface WhileParts {
  condition: () => Value;
  update?: () => void;
  beforeBody?: () => void;
  doWhile?: boolean;
  carried?: ts.Symbol[];
}

/** The flags a `while` op carries to leave it early, and do...while's `first`. */
interface ExitFlags {
  context: LoopContext;
  flags: ts.Symbol[];
  first: ts.Symbol | undefined;
}

/**
 * The general loop: a `while` op whose condition region computes, from the carried values,
 * whether to run the body again. Leaving the loop early becomes flags carried by the loop and
 * read by the condition: `broken` for break, `returned` for return; do...while runs its body
 * first by carrying `first`.
 */
function lowerWhile(
  cx: LoweringContext,
  loop: ts.IterationStatement,
  label: string | undefined,
  parts: WhileParts,
): void {
  const exit = exitFlags(cx, loop, label, parts);
  const { context, flags, first } = exit;
  const carried = [...new Set([...carriedBy(cx, loop), ...flags, ...(parts.carried ?? []), ...(first ? [first] : [])])];
  rejectCarriedArrays(cx, loop, carried);
  const entryEnv = cx.env;
  const slots = loopSlots(cx, carried, entryEnv);
  const paramsFor = () => slots.map((slot) => cx.values.value(slotValue(cx, entryEnv, slot)!.type, slotName(slot)));
  const conditionRegion = emptyRegion(paramsFor());
  const body = emptyRegion(paramsFor());
  const enter = (region: Region) => assignSlots(cx, cx.env, slots, region.params, entryEnv);
  const condition = inBranch(cx, conditionRegion, entryEnv, () => {
    enter(conditionRegion);
    return withoutAssignments(cx, loop, () => whileCondition(cx, exit, parts.condition));
  }).result;
  conditionRegion.yields = [condition];
  if (conditionRegion.ops.some((op) => op.opcode === "call" || op.regions.length > 0)) {
    cx.rejectLoop(loop, "the condition calls a function or holds a conditional expression");
  }
  const { env } = inBranch(cx, body, entryEnv, () => {
    enter(body);
    cx.loops.push(context);
    if (first) cx.env.set(first, cx.boolean(false));
    parts.beforeBody?.();
    lowerStatements(cx, [loop.statement], true);
    cx.loops.pop();
  });
  body.yields = loopYields(cx, loop, slots, carried, entryEnv, env);
  const op = cx.builder.op({
    opcode: "while",
    operands: slots.map((slot) => slotValue(cx, entryEnv, slot)!),
    regions: [conditionRegion, body],
    results: slots.map((slot) => ({ type: slotValue(cx, entryEnv, slot)!.type, name: slotName(slot) })),
    loc: cx.location(loop),
  });
  assignSlots(cx, cx.env, slots, op.results, entryEnv);
}

/** The loop's context, and the flags that leave it early, set to their values on entry. */
function exitFlags(
  cx: LoweringContext,
  loop: ts.IterationStatement,
  label: string | undefined,
  parts: WhileParts,
): ExitFlags {
  const context: LoopContext = label === undefined ? { node: loop } : { node: loop, label };
  if (parts.update) context.update = parts.update;
  const flags: ts.Symbol[] = [];
  if (breaks(loop, label)) {
    context.broken = cx.synthetic(loweringHints.broken);
    cx.env.set(context.broken, cx.boolean(false));
    flags.push(context.broken);
  }
  for (const outer of breaksOutOf(cx, loop)) flags.push(outer.broken!);
  flags.push(...clearedContinueFlags(cx, loop));
  if (containsReturn(loop.statement)) {
    const { returned, returnValue } = cx.returnFlags();
    if (!cx.env.has(returned)) {
      cx.env.set(returned, cx.boolean(false));
      cx.env.set(returnValue, cx.builder.constant(0));
    }
    flags.push(returned, returnValue);
  }
  const first = parts.doWhile ? cx.synthetic(loweringHints.firstIteration) : undefined;
  if (first) cx.env.set(first, cx.boolean(true));
  return { context, flags, first };
}

/** Whether to run the body again: no flag is set, and the loop's condition holds (or it is do...while's first time). */
function whileCondition(cx: LoweringContext, { flags, first }: ExitFlags, loopCondition: () => Value): Value {
  const stop = flags
    .filter((flag) => flag.name !== "returnValue")
    .map((flag) => cx.builder.emit("not", [cx.env.get(flag)!], "boolean"));
  const test = first ? cx.builder.emit("or", [cx.env.get(first)!, loopCondition()], "boolean") : loopCondition();
  // `while (true)` with a break: the break flag alone decides.
  const definition = cx.definingOp(test);
  const alwaysTrue = definition !== undefined && isOp(definition, "bool") && definition.attrs.value;
  const terms = alwaysTrue && stop.length > 0 ? stop : [...stop, test];
  return terms.reduce((all, next) => cx.builder.emit("and", [all, next], "boolean"));
}
