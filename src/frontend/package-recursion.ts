/**
 * Recursion in package code. A function of a package that calls itself (adaptive quadrature
 * halving an interval until an error estimate is small) cannot be inlined: how deep it goes is
 * only known when the code runs. A call of one from differentiable code is kept as a call of a
 * copy of the function specialised for that call, which the generated module holds: its primal
 * and its gradient, both generated from the package's source.
 *
 * - Arguments that are functions (a callback, a closure) are known at compile time: they are
 *   inlined into the copy. The variables of the calling code a callback reads (the
 *   differentiable function's parameters, say) become number parameters of the copy, through
 *   which their gradients flow out.
 * - Number and boolean arguments stay parameters.
 * - An object of numbers and booleans (a `state` the function shares with its recursive calls
 *   and writes into) is passed as its fields, and the copy writes its fields as they are when it
 *   returns into an array (`stateOut`) the caller reads them back from. The gradient's copy
 *   writes into no array of its caller, since its reverse sweep runs again what the caller's
 *   forward sweep ran: the calls it makes write into an array of its own.
 * - The recursive calls in the copy call the copy; the reverse sweep calls the copy's gradient
 *   on the same arguments (joint mode, as for recursive differentiable functions: calls.ts).
 * - `return;` returns NaN, which is what arithmetic, comparisons and `isNaN` make of undefined.
 *
 * Refused (AD1004), at the user's call: arguments that are arrays, strings or objects with other
 * leaves, omitted or spread arguments, a state object that is not a variable, callbacks
 * assigning variables outside them, reading objects or local arrays of the calling code, or
 * made by the recursive function from its own variables (in the copy, those names would be the
 * copy's), callbacks a factory returned or `.bind` made, and `return` inside a loop of the
 * recursive function. Package functions calling each other in a cycle stay refused (calls.ts).
 */
import { ts } from "ts-morph";
import { DiagnosticError } from "../diagnostics.js";
import { isOp, type OpOf } from "../ir/attrs.js";
import { analyzeActivity } from "../analysis/activity.js";
import type { ArrayKind, IRFunction, Param, Value } from "../ir/types.js";
import { forEachOp } from "../ir/walk.js";
import type { FunctionNode } from "./annotations.js";
import { helperOf } from "./calls.js";
import { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { type Argument, type Callable, FunctionValue, isCallable, lowerArguments } from "./functions.js";
import { isPackageFile } from "./library.js";
import { fieldsOf, makeObject } from "./objects.js";
import { FunctionChoice } from "./function-choices.js";
import { lowerStatements } from "./statements.js";
import { skipParentheses } from "./syntax.js";
import { equalities } from "./guards.js";

type Scalar = "number" | "boolean";

/** How a copy takes one parameter of the package function. */
type ParameterSlot =
  | { kind: "value"; name: string; type: Scalar }
  | { kind: "function"; callable: Callable }
  | { kind: "state"; name: string; leaves: { path: string; name: string; type: Scalar }[] };

/** A variable of the calling code that a callback reads: a number, or a flat array parameter
 * of the differentiable function (how it is stored), which the copy takes as a parameter. */
interface Capture {
  symbol: ts.Symbol;
  name: string;
  array?: { arrayKind: ArrayKind; typeText: string };
}

/** A copy of a recursive package function specialised for the function arguments of a call. */
export interface Specialisation {
  name: string;
  gradientName: string;
  /** The package function, and the package it comes from, for the generated comment. */
  helper: FunctionNode;
  helperName: string;
  slots: ParameterSlot[];
  captures: Capture[];
  /** The function-valued variables the callbacks call, as the calling code has them. */
  functions: Map<ts.Symbol, Callable>;
  /** The copy the forward sweeps call, and the one whose gradient is generated (see lowerCopy). */
  primal?: IRFunction;
  gradient?: IRFunction;
  /** The number parameters through which a derivative reaches the result (the others, such as
   * a tolerance or a depth, only decide where the recursion stops). */
  differentiated: ReadonlySet<string>;
}

/** The specialised copies one differentiable function needs, named after it. */
export class SpecialisedCopies {
  readonly list: Specialisation[] = [];
  constructor(readonly functionName: string) {}
}

/** What the lowering of a copy knows about it (see LoweringContext.specialised). */
export interface SpecialisedBody {
  version: "primal" | "gradient";
  /** The state object's parameter and the array its fields go out through. */
  state?: { symbol: ts.Symbol; slot: Extract<ParameterSlot, { kind: "state" }>; out: Value };
}

const capitalised = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** A call of a package function that calls itself, as a call of its specialised copy;
 * undefined for other calls. */
export function lowerPackageRecursion(cx: LoweringContext, call: ts.CallExpression): { result: Value } | undefined {
  const helper = helperOf(cx.checker, call.expression);
  if (!helper || !helper.body || !isPackageFile(helper.getSourceFile().fileName)) return undefined;
  if (!isRecursive(cx, helper)) return undefined;
  const name = call.expression.getText(cx.sourceFile);
  const args = lowerArguments(cx, call.arguments);
  const slots = slotsOf(cx, call, name, helper, args);
  rejectUndefinedTest(cx, call, name, helper);
  const copies = (cx.specialisedCopies ??= new SpecialisedCopies(cx.fn.name));
  const { captures, functions } = capturesOf(cx, call, helper, slots);
  const specialisation =
    copies.list.find((s) => s.helper === helper && sameSlots(s.slots, slots) && sameCaptures(s.captures, captures)) ??
    specialise(cx, call, name, helper, slots, captures, functions);
  return { result: callCopy(cx, call, specialisation, args) };
}

/**
 * A copy returns NaN where the function returns undefined (`return;`), which arithmetic and
 * `isNaN` see alike; a test of the result for undefined or null (`r === undefined`, `r ?? 1`,
 * `typeof r`) would not, so such a test of a call's result, in the function or in the one making
 * this call, is refused.
 */
function rejectUndefinedTest(cx: LoweringContext, call: ts.CallExpression, name: string, helper: FunctionNode): void {
  const caller = ts.findAncestor(call.parent, ts.isFunctionLike);
  for (const scope of new Set([helper, ...(caller ? [caller] : [])])) {
    const test = undefinedTestOfResult(cx, helper, scope);
    if (test)
      refuse(
        cx,
        call,
        name,
        `gives NaN where the function returns undefined, and '${test.getText()}' tests its result for undefined`,
        "test the result with isNaN, or return a number on every path",
      );
  }
}

/** The first test in `scope` of a result of `helper` (the call itself, or a variable given
 * one) for undefined or null; undefined when there is none. */
function undefinedTestOfResult(cx: LoweringContext, helper: FunctionNode, scope: ts.Node): ts.Node | undefined {
  const isCall = (node: ts.Node) => ts.isCallExpression(node) && helperOf(cx.checker, node.expression) === helper;
  const results = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.initializer &&
      isCall(skipParentheses(node.initializer))
    )
      results.add(node.name.text);
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(node.left) &&
      isCall(skipParentheses(node.right))
    )
      results.add(node.left.text);
    ts.forEachChild(node, collect);
  };
  collect(scope);
  const isResult = (node: ts.Expression) => {
    const e = skipParentheses(node);
    return isCall(e) || (ts.isIdentifier(e) && results.has(e.text));
  };
  const isAbsent = (node: ts.Expression) => {
    const e = skipParentheses(node);
    return (
      e.kind === ts.SyntaxKind.NullKeyword || ts.isVoidExpression(e) || (ts.isIdentifier(e) && e.text === "undefined")
    );
  };
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(node)) {
      const kind = node.operatorToken.kind;
      const compared =
        equalities.has(kind) &&
        ((isResult(node.left) && isAbsent(node.right)) || (isAbsent(node.left) && isResult(node.right)));
      if (compared || (kind === ts.SyntaxKind.QuestionQuestionToken && isResult(node.left))) found = node;
    }
    if (ts.isTypeOfExpression(node) && isResult(node.expression)) found = node;
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

/** Whether each package function met calls itself (asked at every call of one). */
const callsItself = new WeakMap<FunctionNode, boolean>();

function isRecursive(cx: LoweringContext, helper: FunctionNode): boolean {
  let recursive = callsItself.get(helper);
  if (recursive === undefined) {
    recursive = selfCall(cx, helper, helper.body!) !== undefined;
    callsItself.set(helper, recursive);
  }
  return recursive;
}

/** The first call in `node` of `helper` itself, not looking into nested functions. */
function selfCall(cx: LoweringContext, helper: FunctionNode, node: ts.Node): ts.CallExpression | undefined {
  if (ts.isCallExpression(node) && helperOf(cx.checker, node.expression) === helper) return node;
  if (ts.isFunctionLike(node) && node !== helper) return undefined;
  return ts.forEachChild(node, (child) => selfCall(cx, helper, child));
}

function refuse(cx: LoweringContext, call: ts.Node, name: string, what: string, hint: string): never {
  return cx.fail(
    call,
    "AD1004",
    `'${name}' of a package calls itself, and is compiled as a copy specialised for this call, which ${what}`,
    hint,
  );
}

// ----- the copy's parameters -----

function slotsOf(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  helper: FunctionNode,
  args: Argument[],
): ParameterSlot[] {
  const taken = new Set<string>();
  const unique = (wanted: string) => {
    let candidate = wanted;
    for (let k = 2; taken.has(candidate); k++) candidate = `${wanted}${k}`;
    taken.add(candidate);
    return candidate;
  };
  for (const p of helper.parameters) if (ts.isIdentifier(p.name)) taken.add(p.name.text);
  return helper.parameters.map((p, k): ParameterSlot => {
    const arg = args[k];
    if (!ts.isIdentifier(p.name) || p.dotDotDotToken || p.initializer || arg === undefined || "spread" in arg) {
      return refuse(
        cx,
        call,
        name,
        `takes each parameter from one argument`,
        `pass every argument of '${name}' (no defaults, rest parameters or spreads)`,
      );
    }
    const parameter = p.name.text;
    if (arg instanceof FunctionChoice)
      return refuse(
        cx,
        call,
        name,
        "takes only functions known at compile time, not one chosen when the code runs",
        `call '${name}' in each branch of an if, with one function each`,
      );
    if (isCallable(arg)) return { kind: "function", callable: arg };
    if (arg.type === "number" || arg.type === "boolean") return { kind: "value", name: parameter, type: arg.type };
    if (arg.type === "object") {
      const leaves = [...fieldsOf(cx, arg)].map(([path, leaf]) => {
        if (leaf.type !== "number" && leaf.type !== "boolean") {
          return refuse(
            cx,
            call,
            name,
            `takes objects of numbers and booleans only ('${parameter}' has the ${leaf.type} field '${path}')`,
            "keep what the recursion shares in numbers and booleans",
          );
        }
        return { path, name: unique(`${parameter}${path.split(".").map(capitalised).join("")}`), type: leaf.type };
      });
      const activeWrite = derivativeCarryingWrite(helper, parameter);
      if (activeWrite)
        return refuse(
          cx,
          call,
          name,
          `passes no derivative through the fields of '${parameter}', which '${activeWrite}' writes with a computed value`,
          `keep only counters and flags in '${parameter}' (s.count++, s.failed = true), and return the numbers the result depends on`,
        );
      return { kind: "state", name: unique(`${parameter}Out`), leaves };
    }
    return refuse(
      cx,
      call,
      name,
      `takes numbers, booleans, objects of those and functions only ('${parameter}' is ${arg.type === "array" ? "an array" : `a ${arg.type}`})`,
      "pass the numbers the function needs",
    );
  });
}

/** True when `node` lies inside `outer`, in the same source file. */
function encloses(outer: ts.Node, inner: ts.Node | undefined): boolean {
  return (
    inner !== undefined &&
    inner.getSourceFile() === outer.getSourceFile() &&
    inner.pos >= outer.pos &&
    inner.end <= outer.end
  );
}

/** True for `x = ...`, `x += ...`, `x++` and `--x`. */
function isAssigned(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent))
    return (
      parent.left === node &&
      parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    );
  return (
    (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) &&
    (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken)
  );
}

/**
 * The variables of the calling code the function arguments read (also through the functions
 * they call by name), which become parameters of the copy, and those function-valued variables.
 */
function capturesOf(
  cx: LoweringContext,
  call: ts.CallExpression,
  helper: FunctionNode,
  slots: ParameterSlot[],
): { captures: Capture[]; functions: Map<ts.Symbol, Callable> } {
  const name = call.expression.getText(cx.sourceFile);
  const captured: ts.Symbol[] = [];
  const functions = new Map<ts.Symbol, Callable>();
  const visited = new Set<FunctionNode>();
  const visitFunction = (target: FunctionValue) => {
    if (visited.has(target.node)) return;
    visited.add(target.node);
    if ([...target.captured.values()].some((bound) => !isCallable(bound)) || target.boundArguments.length > 0) {
      refuse(
        cx,
        call,
        name,
        "cannot take a function a factory returned or `.bind` made",
        "pass an arrow function written where the call is",
      );
    }
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        const symbol = cx.checker.getSymbolAtLocation(node);
        if (symbol && !encloses(target.node, symbol.valueDeclaration)) {
          const value = cx.env.get(symbol);
          const held = cx.functions.get(symbol);
          if ((value !== undefined || held !== undefined) && encloses(helper, symbol.valueDeclaration)) {
            // In the copy, the name is the copy's own variable, not the one of the call that made the callback.
            refuse(
              cx,
              call,
              name,
              `cannot take a callback that reads '${node.text}', a variable of '${name}' itself`,
              "pass the callback the value as an argument instead",
            );
          }
          if (value !== undefined) {
            if (isAssigned(node)) {
              refuse(
                cx,
                call,
                name,
                `cannot see '${node.text}' assigned by its callback`,
                "compute the value in the callback and use it where it is returned",
              );
            }
            const isParameterArray = value.type === "array" && cx.parameterArrays.has(value);
            if (value.type !== "number" && !isParameterArray) {
              refuse(
                cx,
                call,
                name,
                `takes the numbers and the parameter arrays its callback reads only ('${node.text}' is ${value.type === "array" ? "a local array" : `a ${value.type}`})`,
                "read the numbers the callback needs into local constants before the call",
              );
            }
            if (!captured.includes(symbol)) captured.push(symbol);
          } else if (held !== undefined) {
            functions.set(symbol, held);
            if (held instanceof FunctionValue) visitFunction(held);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(target.node);
  };
  for (const slot of slots)
    if (slot.kind === "function" && slot.callable instanceof FunctionValue) visitFunction(slot.callable);
  const taken = new Set(
    slots.flatMap((slot) =>
      slot.kind === "value" ? [slot.name] : slot.kind === "state" ? [slot.name, ...slot.leaves.map((l) => l.name)] : [],
    ),
  );
  const captures = captured.map((symbol): Capture => {
    let candidate = symbol.name;
    for (let k = 2; taken.has(candidate); k++) candidate = `${symbol.name}${k}`;
    taken.add(candidate);
    if (cx.env.get(symbol)!.type !== "array") return { symbol, name: candidate };
    const shape = cx.types.arrayShape(cx.checker.getNonNullableType(cx.checker.getTypeOfSymbol(symbol)));
    if (!shape.arrayKind || shape.rowKind || shape.elementFields) {
      refuse(
        cx,
        call,
        name,
        `takes flat numeric arrays only ('${symbol.name}' holds arrays or objects)`,
        "read the numbers the callback needs into local constants before the call",
      );
    }
    return { symbol, name: candidate, array: { arrayKind: shape.arrayKind, typeText: shape.typeText } };
  });
  return { captures, functions };
}

function sameSlots(a: ParameterSlot[], b: ParameterSlot[]): boolean {
  return (
    a.length === b.length &&
    a.every((slot, k) => {
      const other = b[k]!;
      if (slot.kind === "function") return other.kind === "function" && sameCallable(slot.callable, other.callable);
      if (slot.kind === "value") return other.kind === "value" && other.type === slot.type;
      return (
        other.kind === "state" &&
        other.leaves.length === slot.leaves.length &&
        slot.leaves.every((leaf, i) => other.leaves[i]!.path === leaf.path && other.leaves[i]!.type === leaf.type)
      );
    })
  );
}

function sameCallable(a: Callable, b: Callable): boolean {
  if (a instanceof FunctionValue) return b instanceof FunctionValue && a.node === b.node;
  if (a instanceof FunctionChoice || b instanceof FunctionChoice) return a === b;
  return !(b instanceof FunctionValue) && a.opcode === b.opcode && a.arity === b.arity;
}

function sameCaptures(a: Capture[], b: Capture[]): boolean {
  return a.length === b.length && a.every((capture, k) => capture.symbol === b[k]!.symbol);
}

// ----- the copies -----

/** A new copy for this call: registered first, so that its recursive calls find it. */
function specialise(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  helper: FunctionNode,
  slots: ParameterSlot[],
  captures: Capture[],
  functions: Map<ts.Symbol, Callable>,
): Specialisation {
  const copies = cx.specialisedCopies!;
  const base = `${name}For${capitalised(copies.functionName)}`;
  let specialisedName = base;
  for (let k = 2; copies.list.some((s) => s.name === specialisedName); k++) specialisedName = `${base}${k}`;
  const specialisation: Specialisation = {
    name: specialisedName,
    gradientName: `${specialisedName}Grad`,
    helper,
    helperName: name,
    slots,
    captures,
    functions,
    differentiated: new Set(),
  };
  copies.list.push(specialisation);
  try {
    specialisation.primal = lowerCopy(cx, specialisation, "primal");
    specialisation.gradient = lowerCopy(cx, specialisation, "gradient");
    // Numbers the call passes on, and what the callbacks read: not the state's fields.
    const candidates = new Set([
      ...slots.flatMap((slot) => (slot.kind === "value" && slot.type === "number" ? [slot.name] : [])),
      ...captures.map((capture) => capture.name),
    ]);
    specialisation.differentiated = differentiatedParameters(specialisation.gradient, specialisation.name, candidates);
    for (const copy of [specialisation.primal, specialisation.gradient]) {
      differentiateOnly(copy, specialisation.name, specialisation.differentiated);
    }
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    const { diagnostic } = error;
    return cx.fail(
      call,
      diagnostic.code,
      `${diagnostic.message}, in the copy of the recursive '${name}' specialised for this call (${diagnostic.file}:${diagnostic.line}:${diagnostic.column})`,
      diagnostic.hint,
    );
  }
  return specialisation;
}

/**
 * The copy's IR: its parameters are the slots' and the captures', its body the package
 * function's, lowered with the callbacks bound. The gradient's version writes the state the
 * calls it makes return into an array of its own, and nothing at its returns.
 */
function lowerCopy(
  parent: LoweringContext,
  specialisation: Specialisation,
  version: "primal" | "gradient",
): IRFunction {
  const helper = specialisation.helper;
  const cx = new LoweringContext(
    parent.checker,
    helper.getSourceFile(),
    { name: specialisation.name, node: helper },
    parent.rules,
  );
  cx.specialisedCopies = parent.specialisedCopies;
  const params: Param[] = [];
  const param = (
    type: Scalar | "array",
    name: string,
    differentiated: boolean,
    array: Capture["array"] = { arrayKind: "Float64Array", typeText: "Float64Array" },
  ): Value => {
    const value = cx.values.value(type, name);
    const isArray = type === "array";
    params.push({
      value,
      typeText: isArray ? array.typeText : type,
      differentiated,
      ...(isArray ? { arrayKind: array.arrayKind } : {}),
    });
    return value;
  };
  const body: SpecialisedBody = { version };
  helper.parameters.forEach((p, k) => {
    const slot = specialisation.slots[k]!;
    const symbol = cx.symbolOf(p.name as ts.Identifier);
    if (slot.kind === "function") {
      cx.functions.set(symbol, slot.callable);
    } else if (slot.kind === "value") {
      cx.env.set(symbol, param(slot.type, slot.name, slot.type === "number"));
    } else {
      const fields = new Map(slot.leaves.map((leaf) => [leaf.path, param(leaf.type, leaf.name, false)]));
      cx.env.set(symbol, makeObject(cx, fields));
      const out = param("array", slot.name, false);
      body.state = { symbol, slot, out: version === "primal" ? out : stateArray(cx, slot) };
    }
  });
  for (const capture of specialisation.captures) {
    const value = param(capture.array ? "array" : "number", capture.name, true, capture.array);
    if (capture.array) cx.parameterArrays.add(value);
    cx.env.set(capture.symbol, value);
  }
  for (const [symbol, callable] of specialisation.functions) cx.functions.set(symbol, callable);
  cx.specialised = body;
  cx.returnType = "number";
  const helperBody = helper.body!;
  cx.builder.loc = cx.location(helper);
  let result = ts.isBlock(helperBody)
    ? lowerStatements(cx, helperBody.statements)
    : cx.expectType(helperBody, lowerExpression(cx, helperBody), "number");
  // Falling off the end returns undefined.
  if (result === undefined) result = returned(cx, body, cx.builder.constant(NaN, "NaN"));
  if (typeof result !== "object") {
    return cx.fail(
      helper,
      "AD1004",
      `not every path of '${specialisation.helperName}' returns a value`,
      "return a number on every path",
    );
  }
  cx.builder.region.yields = [result];
  // The module holding the copy holds what it calls.
  parent.references.push(...cx.references);
  return { name: specialisation.name, params, body: cx.builder.region, loc: cx.location(helper) };
}

/** The copy's recursive calls. */
function selfCalls(copy: IRFunction, name: string): OpOf<"call">[] {
  const calls: OpOf<"call">[] = [];
  forEachOp(copy.body.ops, (op) => {
    if (isOp(op, "call") && op.attrs.callee === name) calls.push(op);
  });
  return calls;
}

/**
 * The parameters of `copy` among `candidates` through which a derivative reaches its result. A recursive
 * call passes one on through the parameters found so far only, so the set grows from none
 * until it is what the calls need.
 */
function differentiatedParameters(copy: IRFunction, name: string, candidates: ReadonlySet<string>): Set<string> {
  const numbers = copy.params.filter((p) => candidates.has(p.value.name!));
  let found = new Set<string>();
  for (;;) {
    differentiateOnly(copy, name, candidates);
    for (const call of selfCalls(copy, name)) {
      call.attrs = { ...call.attrs, partials: call.attrs.partials!.map((p) => (found.has(p) ? p : "")) };
    }
    const { useful } = analyzeActivity(copy);
    const next = new Set(numbers.filter((p) => useful.has(p.value)).map((p) => p.value.name!));
    if (next.size === found.size) return found;
    found = next;
  }
}

/** Differentiates `copy` with respect to `differentiated` only, in its recursive calls too. */
function differentiateOnly(copy: IRFunction, name: string, differentiated: ReadonlySet<string>): void {
  for (const p of copy.params) p.differentiated = differentiated.has(p.value.name!);
  const names = copy.params.map((p) => p.value.name!);
  for (const call of selfCalls(copy, name)) {
    call.attrs = {
      ...call.attrs,
      partials: call.attrs.partials!.map((_, k) => (differentiated.has(names[k]!) ? names[k]! : "")),
    };
  }
}

/** A new array for the fields of a state object. */
function stateArray(cx: LoweringContext, slot: Extract<ParameterSlot, { kind: "state" }>): Value {
  const length = cx.builder.constant(slot.leaves.length);
  return cx.builder.emit("array.new", [length, cx.builder.constant(0)], "array", { kind: "Float64Array" });
}

/** `return e;` (and `return;`, NaN) at the top level of a copy's body: the primal copy writes
 * the state's fields out first. Undefined elsewhere. */
export function lowerSpecialisedReturn(cx: LoweringContext, statement: ts.ReturnStatement): Value | undefined {
  const body = cx.specialised;
  if (!body || cx.inlined.length > 0) return undefined;
  if (cx.loops.length > 0) {
    cx.fail(
      statement,
      "AD1004",
      "a recursive function of a package that returns from inside a loop is not supported",
      "write the computation in the project as a loop of a fixed number of steps",
    );
  }
  const value = statement.expression
    ? cx.expectType(statement.expression, lowerExpression(cx, statement.expression), "number")
    : cx.builder.constant(NaN, "NaN");
  return returned(cx, body, value);
}

function returned(cx: LoweringContext, body: SpecialisedBody, value: Value): Value {
  if (body.version === "primal" && body.state) {
    const fields = fieldsOf(cx, cx.env.get(body.state.symbol)!);
    body.state.slot.leaves.forEach((leaf, k) => {
      const field = fields.get(leaf.path)!;
      const stored = leaf.type === "number" ? field : booleanAsNumber(cx, field);
      cx.builder.op({ opcode: "array.set", operands: [body.state!.out, cx.builder.constant(k), stored] });
    });
  }
  return value;
}

/** 1 for true, 0 for false: how a boolean field is stored. */
function booleanAsNumber(cx: LoweringContext, value: Value): Value {
  const known = cx.definingOp(value);
  if (known && isOp(known, "bool")) return cx.builder.constant(known.attrs.value ? 1 : 0);
  return cx.builder.emit("select", [value, cx.builder.constant(1), cx.builder.constant(0)], "number");
}

// ----- the calls -----

/** The call of the copy; a state object it takes is read back from the array the copy wrote. */
function callCopy(
  cx: LoweringContext,
  call: ts.CallExpression,
  specialisation: Specialisation,
  args: Argument[],
): Value {
  const operands: Value[] = [];
  const partials: string[] = [];
  let state: { argument: ts.Expression; slot: Extract<ParameterSlot, { kind: "state" }>; out: Value } | undefined;
  specialisation.slots.forEach((slot, k) => {
    const arg = args[k] as Value;
    if (slot.kind === "value") {
      operands.push(arg);
      partials.push(specialisation.differentiated.has(slot.name) ? slot.name : "");
    } else if (slot.kind === "state") {
      const fields = fieldsOf(cx, arg);
      for (const leaf of slot.leaves) {
        operands.push(fields.get(leaf.path)!);
        partials.push("");
      }
      // The copy's own state goes on to its recursive calls through the array it writes out.
      const own = cx.specialised?.state;
      const argument = call.arguments[k]!;
      const isOwn = own !== undefined && ts.isIdentifier(argument) && cx.symbolOf(argument) === own.symbol;
      if (!isOwn) rejectComputedStateFields(cx, call, specialisation.helperName, slot, fields);
      const out = isOwn ? own.out : stateArray(cx, slot);
      operands.push(out);
      partials.push("");
      state = { argument, slot, out };
    }
  });
  for (const capture of specialisation.captures) {
    operands.push(cx.env.get(capture.symbol)!);
    partials.push(specialisation.differentiated.has(capture.name) ? capture.name : "");
  }
  const result = cx.emitOp({
    opcode: "call",
    operands,
    results: [{ type: "number" }],
    attrs: {
      callee: specialisation.name,
      derivative: specialisation.gradientName,
      derivativeKind: "grad",
      partials,
      writesArrays: true,
    },
    loc: cx.pointAt(call),
  });
  if (state) readBackState(cx, specialisation.helperName, state);
  return result;
}

/**
 * The copy takes a state's fields as numbers it passes no derivative through (its gradient
 * ignores them), which is right only while they carry none: their writes in the function are
 * counters and flags (see derivativeCarryingWrite), and the state the caller passes in holds
 * constants.
 */
function rejectComputedStateFields(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  slot: Extract<ParameterSlot, { kind: "state" }>,
  fields: ReadonlyMap<string, Value>,
): void {
  const computed = slot.leaves.find((leaf) => {
    const definition = cx.definingOp(fields.get(leaf.path)!);
    return !definition || !(isOp(definition, "const") || isOp(definition, "bool"));
  });
  if (computed)
    refuse(
      cx,
      call,
      name,
      `passes no derivative through its state object's fields, and this call gives '${computed.path}' a computed value`,
      "start the state from constants (counters and flags), and pass the numbers the result depends on as arguments",
    );
}

/** Updates of a state field that carry no derivative: counting and setting constants. */
const counterOperators: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.PlusEqualsToken,
  ts.SyntaxKind.MinusEqualsToken,
]);

const isConstantLiteral = (node: ts.Expression) =>
  ts.isNumericLiteral(node) ||
  node.kind === ts.SyntaxKind.TrueKeyword ||
  node.kind === ts.SyntaxKind.FalseKeyword ||
  (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(node.operand));

/** The text of the first write in `helper` of a field of its parameter `parameter` with a
 * value that may carry a derivative; undefined when every write counts (`state.count++`,
 * `state.count += 1`) or sets a constant (`state.failed = true`). */
function derivativeCarryingWrite(helper: FunctionNode, parameter: string): string | undefined {
  const isField = (node: ts.Node) =>
    ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === parameter;
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(node) && isField(node.left) && isAssignmentOperator(node.operatorToken.kind)) {
      const kind = node.operatorToken.kind;
      const counts = counterOperators.has(kind) && ts.isNumericLiteral(node.right);
      const sets = kind === ts.SyntaxKind.EqualsToken && isConstantLiteral(node.right);
      if (!counts && !sets) found = node.getText();
    }
    ts.forEachChild(node, visit);
  };
  if (helper.body) visit(helper.body);
  return found;
}

const isAssignmentOperator = (kind: ts.SyntaxKind) =>
  kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;

/** The state variable after the call: its fields as the copy wrote them out. */
function readBackState(
  cx: LoweringContext,
  name: string,
  state: { argument: ts.Expression; slot: Extract<ParameterSlot, { kind: "state" }>; out: Value },
): void {
  const argument = state.argument;
  if (!ts.isIdentifier(argument)) {
    refuse(
      cx,
      argument,
      name,
      "writes into the object it is given: the object must be a variable",
      "pass the object in a local variable",
    );
  }
  const fields = new Map(
    state.slot.leaves.map((leaf, k) => {
      const stored = cx.builder.emit("array.get", [state.out, cx.builder.constant(k)], "number");
      return [leaf.path, leaf.type === "number" ? stored : cx.builder.emit("truthy", [stored], "boolean")] as const;
    }),
  );
  cx.env.set(cx.symbolOf(argument), makeObject(cx, fields));
}

/** Refuses inlining `helper`, a function of a package, when its body calls it again (reached
 * other than by a call naming it, which lowerPackageRecursion compiles). */
export function rejectPackageRecursion(cx: LoweringContext, name: string, helper: FunctionNode): void {
  if (!isPackageFile(helper.getSourceFile().fileName) || !helper.body) return;
  const recursive = selfCall(cx, helper, helper.body);
  if (!recursive) return;
  cx.fail(
    recursive,
    "AD1004",
    `'${name}' of a package calls itself, and is called here through a function value: the compiler compiles a recursive package function only where a call names it`,
    `call '${name}' by its name`,
  );
}

/** True for the state object of a copy being lowered, whose fields the copy writes (see
 * readBackState: what it writes reaches the caller). */
export function isSpecialisedState(cx: LoweringContext, symbol: ts.Symbol): boolean {
  return cx.specialised?.state?.symbol === symbol;
}
