/**
 * Function values: arrow functions and function expressions declared in a body, functions
 * passed to helpers as callbacks, functions returned by factories (curried calls, IIFEs),
 * `.call` and `.bind`; and the parameters of inlined functions (defaults, optional, rest and
 * destructured parameters, callbacks).
 *
 * A function value is known at compile time: a FunctionValue (the function's node, and what it
 * captured) that the lowering context holds beside the variables' values (`cx.functions`),
 * never in the IR. A call through one is inlined with that target, as a call of a helper is.
 * A function that is only known when the code runs (a parameter of the differentiable function,
 * one chosen by a condition, one stored in an array) is a diagnostic.
 *
 * Closures see variables as JavaScript does: a function called where its variables are in
 * scope reads their current values and its writes are seen after the call; a function returned
 * by a factory keeps the factory's locals as they were when it returned (each call of the
 * factory gives its own), and may not assign them.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import { primitive, type PrimitiveName } from "../rules/primitives.js";
import type { FunctionNode } from "./annotations.js";
import { helperOf, inlineFunction } from "./calls.js";
import { changedReceiver } from "./classes.js";
import { writtenArguments } from "./object-arguments.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { functionProperty, isFunctionPropertyCall, namedFunctionExpression } from "./function-properties.js";
import { moduleFunctionOf } from "./modules.js";
import { bindPattern } from "./objects.js";
import { lowerStatements } from "./statements.js";
import { assignmentTarget, containsReturn } from "./syntax.js";
import { chosenReturn } from "./factory-returns.js";
import { loadTimeFunction } from "./load-time/lookup.js";
import { chosenFunctionExpression } from "./chosen-functions.js";
import { keyedMemberFunction } from "./function-variables.js";
import {
  alternativeNodes,
  callChoice,
  choiceAtRunTime,
  conditionalChoice,
  FunctionChoice,
} from "./function-choices.js";

/** A function known at compile time: one of the program, a `Math` function, or a choice
 * between such functions by a condition computed when the code runs (see function-choices.ts). */
export type Callable = FunctionValue | MathFunction | FunctionChoice;

/** What a parameter or a captured variable is bound to: a value, or a function known at compile time. */
export type Bound = Value | Callable;

/** An argument as the call gives it: omitted (or `undefined`), a spread array, or a bound value. */
export type Argument = Bound | { spread: Value } | undefined;

export class FunctionValue {
  constructor(
    readonly node: FunctionNode,
    /** The variables of the factories that returned it, as they were when they returned. */
    readonly captured: ReadonlyMap<ts.Symbol, Bound> = new Map(),
    /** The arguments `.bind` gave, before the call's own. */
    readonly boundArguments: readonly Argument[] = [],
  ) {}
}

/** A `Math` function of fixed arity passed as a value (`integrate(Math.sin, 0, 1)`): a call
 * through it is the primitive, given its first `arity` arguments, as JavaScript does. */
export class MathFunction {
  constructor(
    readonly opcode: PrimitiveName,
    readonly arity: number,
  ) {}
}

export function isCallable(bound: Bound | { spread: Value }): bound is Callable {
  return bound instanceof FunctionValue || bound instanceof MathFunction || bound instanceof FunctionChoice;
}

/** `Math.sin` and the other Math functions of fixed arity, as values; undefined for other expressions. */
function mathFunction(node: ts.Expression): MathFunction | undefined {
  if (!ts.isPropertyAccessExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== "Math")
    return undefined;
  const name = node.name.text;
  if (name === "pow") return new MathFunction("pow", 2);
  const p = primitive(name);
  const isMath = p !== undefined && p.syntax.kind === "call" && p.syntax.callee === `Math.${name}`;
  return isMath && typeof p.arity === "number" ? new MathFunction(p.name, p.arity) : undefined;
}

/** True for an expression or declaration whose type is a function type. */
export function isFunctionTyped(cx: LoweringContext, node: ts.Node): boolean {
  // Asked of every variable read and call, so answered without the checker's flow analysis
  // (which walks back through the function, making a long one quadratic) where it can be.
  if (ts.isIdentifier(node)) {
    const symbol = cx.checker.getSymbolAtLocation(node);
    // A variable bound to a value holds no function.
    if (symbol && cx.env.has(symbol)) return false;
    if (symbol && !(symbol.flags & ts.SymbolFlags.Alias)) return hasCallSignatures(cx.checker.getTypeOfSymbol(symbol));
  }
  if (ts.isCallExpression(node) && returnsPrimitive(cx, node)) return false;
  const type = cx.checker.getNonNullableType(cx.checker.getTypeAtLocation(node));
  return type.getCallSignatures().length > 0;
}

const hasCallSignatures = (type: ts.Type) => type.getNonNullableType().getCallSignatures().length > 0;

const primitiveFlags = ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.StringLike | ts.TypeFlags.Void;

/** True when every signature the callee declares returns a number, boolean, string or nothing
 * (`Math.sin(x)`): its call is no function, whichever signature the call resolves to. */
function returnsPrimitive(cx: LoweringContext, call: ts.CallExpression): boolean {
  const callee = ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression;
  const symbol = ts.isIdentifier(callee) ? cx.checker.getSymbolAtLocation(callee) : undefined;
  if (!symbol || symbol.flags & ts.SymbolFlags.Alias) return false;
  const signatures = cx.checker.getTypeOfSymbol(symbol).getCallSignatures();
  return (
    signatures.length > 0 &&
    signatures.every((signature) => (cx.checker.getReturnTypeOfSignature(signature).flags & ~primitiveFlags) === 0)
  );
}

/** True when `inner` lies inside `outer`, in the same source file. */
function encloses(outer: ts.Node, inner: ts.Node): boolean {
  return inner.getSourceFile() === outer.getSourceFile() && inner.pos >= outer.pos && inner.end <= outer.end;
}

/** The function a function-typed expression stands for, at compile time. */
export function functionValue(cx: LoweringContext, expression: ts.Expression): Callable {
  const node = unwrap(expression);
  const math = mathFunction(node);
  if (math) return math;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    // Made inside a function returned by a factory: it sees what that one captured.
    const enclosing = [...cx.calledFunctions].reverse().find((called) => encloses(called.node, node));
    return new FunctionValue(node, enclosing?.captured);
  }
  if (ts.isIdentifier(node)) return namedFunction(cx, node);
  if (ts.isCallExpression(node)) {
    const callee = node.expression;
    if (
      ts.isPropertyAccessExpression(callee) &&
      callee.name.text === "bind" &&
      isFunctionTyped(cx, callee.expression)
    ) {
      const target = userFunction(cx, callee.expression);
      // `bind` evaluates its arguments now; `this` is not supported, so the first is only evaluated.
      evaluateThisArgument(cx, node.arguments[0]);
      const bound = lowerArguments(cx, node.arguments.slice(1));
      return new FunctionValue(target.node, target.captured, [...target.boundArguments, ...bound]);
    }
    return returnedFunction(cx, node);
  }
  const chosen = chosenFunctionExpression(cx, node);
  if (chosen) return functionValue(cx, chosen);
  if (ts.isConditionalExpression(node)) return conditionalChoice(cx, node, (arm) => functionValue(cx, arm));
  if (ts.isBinaryExpression(node)) {
    return cx.fail(
      node,
      "AD1004",
      "this function is chosen when the code runs, so the compiler cannot inline the call",
      "call each function in the branches of an if, or compute both results and choose between the numbers",
    );
  }
  const property = ts.isPropertyAccessExpression(node) ? functionProperty(cx, node) : undefined;
  if (property) return property;
  // A function of a module or namespace (`ss.linearRegressionLine`), as a call's callee finds it.
  const member = ts.isPropertyAccessExpression(node) ? moduleFunctionOf(cx, node) : undefined;
  if (member) return new FunctionValue(member);
  // A function a module stores in a table when it loads (`convert.rgb.hsv.raw`, `table[name]`).
  const loadTime = loadTimeFunction(cx, node);
  if (loadTime) return loadTime;
  const keyed = ts.isElementAccessExpression(node) ? keyedMemberFunction(cx, node) : undefined;
  if (keyed) return keyed;
  if (ts.isElementAccessExpression(node)) {
    return cx.fail(
      node,
      "AD1004",
      "functions stored in arrays are not supported: the compiler cannot tell which one is called",
      "call the functions by name, or pass the numbers they compute",
    );
  }
  const text = node.getText(cx.sourceFile);
  const isMath = ts.isPropertyAccessExpression(node) && node.expression.getText(cx.sourceFile) === "Math";
  return cx.fail(
    node,
    "AD1004",
    isMath
      ? `'${text}' is supported where it is called, not as a value: it takes any number of arguments, or is no Math function with a derivative`
      : `'${text}' is not a function the compiler knows at compile time`,
    // A method passed as a value (`xs.map(obj.f)`) can be wrapped; a call through it cannot.
    ts.isPropertyAccessExpression(node) && !(ts.isCallExpression(node.parent) && node.parent.expression === node)
      ? `pass an arrow function calling it instead: (x) => ${text}(x)`
      : "call a function declared with `function` or `const f = (...) => ...`",
  );
}

function unwrap(expression: ts.Expression): ts.Expression {
  let node = expression;
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node))
    node = node.expression;
  return node;
}

/** A function by name: a variable holding one, a function of the program, or a module-level
 * `const f = factory(...)`, whose factory is inlined where `f` is used. */
function namedFunction(cx: LoweringContext, identifier: ts.Identifier): Callable {
  const symbol = cx.checker.getSymbolAtLocation(identifier);
  const known = symbol && cx.functions.get(symbol);
  if (known) return known;
  const helper = helperOf(cx.checker, identifier);
  if (helper) return new FunctionValue(helper);
  // A function of a package (its typings' declaration, compiled through its JavaScript).
  const library = moduleFunctionOf(cx, identifier);
  if (library) return new FunctionValue(library);
  const ownName = namedFunctionExpression(cx, identifier);
  if (ownName) return ownName;
  const declaration = symbol && resolved(cx, symbol).valueDeclaration;
  if (declaration && ts.isParameter(declaration)) {
    return cx.fail(
      identifier,
      "AD1004",
      `'${identifier.text}' is a parameter holding a function that is only known when the code runs`,
      "call a function declared in the program by name, or pass the numbers the function would compute",
    );
  }
  if (
    declaration &&
    ts.isVariableDeclaration(declaration) &&
    ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const &&
    declaration.initializer &&
    ts.isCallExpression(unwrap(declaration.initializer)) &&
    !encloses(cx.owner(), declaration)
  ) {
    // A module-level `const f = makeF(...)`: made again where it is used, from the factory's source.
    const file = cx.sourceFile;
    cx.sourceFile = declaration.getSourceFile();
    const made = functionValue(cx, declaration.initializer);
    cx.sourceFile = file;
    return made;
  }
  return cx.fail(
    identifier,
    "AD1004",
    `'${identifier.text}' holds a function the compiler cannot follow (it is assigned after its declaration, or has no source)`,
    "declare it once with const and a function, or call a function declared with `function`",
  );
}

function resolved(cx: LoweringContext, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? cx.checker.getAliasedSymbol(symbol) : symbol;
}

// ----- calls -----

/** The function a call calls when it is not a plain helper call: an IIFE, a curried call, a
 * variable holding a function, `f.call(...)`, `f.bind(...)(...)`; undefined for other calls. */
function calledValue(
  cx: LoweringContext,
  call: ts.CallExpression,
): { target: ts.Expression; args: ts.Expression[]; thisArgument?: ts.Expression } | undefined {
  const callee = unwrap(call.expression);
  if (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === "call" &&
    isFunctionTyped(cx, callee.expression) &&
    !cx.types.isObject(cx.checker.getTypeAtLocation(callee.expression))
  ) {
    // `f.call(thisArg, ...args)`: `this` is not supported, so the first argument is only evaluated.
    return { target: callee.expression, thisArgument: call.arguments[0], args: call.arguments.slice(1) };
  }
  const direct = { target: callee, args: [...call.arguments] };
  if (isFunctionPropertyCall(cx, callee)) return direct;
  if (
    ts.isArrowFunction(callee) ||
    ts.isFunctionExpression(callee) ||
    ts.isCallExpression(callee) ||
    ts.isConditionalExpression(callee) ||
    ts.isElementAccessExpression(callee)
  ) {
    return isFunctionTyped(cx, callee) ? direct : undefined;
  }
  if (!ts.isIdentifier(callee)) return undefined;
  const symbol = cx.checker.getSymbolAtLocation(callee);
  if (!symbol) return undefined;
  if (cx.functions.has(symbol)) return direct;
  const declaration = resolved(cx, symbol).valueDeclaration;
  if (declaration && ts.isParameter(declaration)) return direct;
  if (helperOf(cx.checker, callee)) return undefined;
  const isVariable = declaration !== undefined && ts.isVariableDeclaration(declaration);
  return isVariable && !declaration.getSourceFile().isDeclarationFile ? direct : undefined;
}

/**
 * The `this` given to `f.call` or `f.bind`, evaluated for its effects (JavaScript evaluates it
 * before the other arguments). Its value is not passed: a function reading `this` there is
 * refused where it reads it. `null` and `undefined`, the usual ones, have nothing to evaluate.
 */
function evaluateThisArgument(cx: LoweringContext, thisArgument: ts.Expression | undefined): void {
  const node = thisArgument && unwrap(thisArgument);
  if (!node || node.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(node) && node.text === "undefined")) return;
  if (ts.isVoidExpression(node) && ts.isLiteralExpression(node.expression)) return;
  lowerExpression(cx, node);
}

/** A call through a function value, inlined; undefined when the call is not one. */
export function lowerFunctionValueCall(
  cx: LoweringContext,
  call: ts.CallExpression,
): { result: Value | undefined } | undefined {
  const called = calledValue(cx, call);
  if (!called) return undefined;
  const target = functionValue(cx, called.target);
  evaluateThisArgument(cx, called.thisArgument);
  return { result: callFunctionValue(cx, call, target, lowerArguments(cx, called.args)) };
}

/** The body of an inlined function: what it returns, or undefined when it returns nothing. */
export function lowerFunctionBody(cx: LoweringContext, node: FunctionNode): Value | undefined {
  const body = node.body!;
  if (ts.isBlock(body) && returnsEarly(body) && assignmentsThroughFunctions(cx, node).length > 0) {
    // The branches of an early return end the function: what they assign would not reach the caller.
    cx.fail(
      node,
      "AD1004",
      "a function that assigns variables outside it may only return at its end",
      "assign the result to a local and return it once, after the if/else",
    );
  }
  const outcome = ts.isBlock(body) ? lowerStatements(cx, body.statements) : lowerExpression(cx, body);
  return typeof outcome === "object" ? outcome : undefined;
}

/** Calls `target` on arguments already lowered: inlined, or the primitive of a Math function. */
export function callFunctionValue(
  cx: LoweringContext,
  call: ts.CallExpression,
  target: Callable,
  args: Argument[],
): Value | undefined {
  if (target instanceof FunctionValue)
    return inlineFunctionValue(cx, call, target, args, () => lowerFunctionBody(cx, target.node));
  if (target instanceof FunctionChoice)
    return callChoice(cx, call, target, (alternative) => callFunctionValue(cx, call, alternative, args));
  const operands = Array.from({ length: target.arity }, (_, k) => {
    const arg = args[k];
    // A missing argument is undefined, which a Math function reads as NaN.
    if (arg === undefined) return cx.builder.constant(NaN, "NaN");
    if ("spread" in arg || isCallable(arg) || arg.type !== "number") return cx.unsupported(call);
    return arg;
  });
  return cx.builder.emit(target.opcode, operands, "number");
}

/** A function of the program (not a Math function), where its source is needed. */
function userFunction(cx: LoweringContext, expression: ts.Expression): FunctionValue {
  const target = functionValue(cx, expression);
  if (target instanceof FunctionValue) return target;
  if (target instanceof FunctionChoice) {
    return cx.fail(
      expression,
      "AD1004",
      `'${expression.getText(cx.sourceFile)}' is one of several functions, chosen when the code runs: it can be called, not bound or called for a function it returns`,
      "call it where its result is needed, inside an arrow function if need be",
    );
  }
  return cx.fail(
    expression,
    "AD1004",
    `'${expression.getText(cx.sourceFile)}' is supported as a value only where it is called`,
    `use an arrow function calling it instead: (x) => ${expression.getText(cx.sourceFile)}(x)`,
  );
}

function inlineFunctionValue<R>(
  cx: LoweringContext,
  call: ts.CallExpression,
  target: FunctionValue,
  args: Argument[],
  lowerBody: () => R,
): R {
  return inlineFunction(cx, call, functionName(cx, call, target), target, args, lowerBody);
}

function functionName(cx: LoweringContext, call: ts.CallExpression, target: FunctionValue): string {
  const node = target.node;
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  return call.expression.getText(cx.sourceFile);
}

/** The arguments of a call, in order: functions as function values, `undefined` as omitted. */
export function lowerArguments(cx: LoweringContext, args: readonly ts.Expression[]): Argument[] {
  return args.map((arg): Argument => {
    if (ts.isIdentifier(arg) && arg.text === "undefined") return undefined;
    if (ts.isSpreadElement(arg)) {
      const array = lowerExpression(cx, arg.expression);
      if (array.type !== "array") return cx.unsupported(arg);
      return { spread: array };
    }
    return isFunctionTyped(cx, arg) || isBoundToFunction(cx, arg) ? functionValue(cx, arg) : lowerExpression(cx, arg);
  });
}

/** An untyped parameter of package JavaScript (`f` of `function integrate(f, a, b)`) that the
 * call being inlined bound to a function: passed on, it is that function. */
function isBoundToFunction(cx: LoweringContext, arg: ts.Expression): boolean {
  const symbol = ts.isIdentifier(arg) ? cx.checker.getSymbolAtLocation(arg) : undefined;
  return symbol !== undefined && cx.functions.has(symbol);
}

// ----- factories -----

/**
 * A call returning a function (`fitLine(data)`, `interpolator(values)`): the factory inlined up
 * to its one `return`, and the function it returns with the factory's locals captured.
 */
function returnedFunction(cx: LoweringContext, call: ts.CallExpression): Callable {
  const called = calledValue(cx, call) ?? { target: call.expression, args: [...call.arguments] };
  const factory = userFunction(cx, called.target);
  evaluateThisArgument(cx, called.thisArgument);
  return inlineFunctionValue(cx, call, factory, lowerArguments(cx, called.args), () =>
    factoryResult(cx, call, factory.node),
  );
}

/** The function `expression` returns from `factory`, with the factory's locals as they are now. */
function closure(cx: LoweringContext, factory: FunctionNode, expression: ts.Expression): Callable {
  return closeOver(cx, factory, functionValue(cx, expression));
}

/** `returned`, and each function of a choice, with the locals of `factory` as they are now. */
function closeOver(cx: LoweringContext, factory: FunctionNode, returned: Callable): Callable {
  if (returned instanceof FunctionChoice) {
    const [whenTrue, whenFalse] = returned.alternatives.map((alternative) => closeOver(cx, factory, alternative));
    return new FunctionChoice(returned.condition, whenTrue!, whenFalse!);
  }
  if (!(returned instanceof FunctionValue) || !encloses(factory, returned.node)) return returned;
  const captured = new Map(returned.captured);
  for (const [symbol, value] of [...cx.env, ...cx.functions]) {
    const declaration = symbol.valueDeclaration;
    if (declaration && encloses(factory, declaration) && !encloses(returned.node, declaration))
      captured.set(symbol, value);
  }
  return new FunctionValue(returned.node, captured, returned.boundArguments);
}

/** Lowers a factory's statements before its `return`, and gives the function it returns: the
 * one of the return its call takes, or a choice between those of returns chosen when the code runs. */
function factoryResult(cx: LoweringContext, call: ts.CallExpression, factory: FunctionNode): Callable {
  const body = factory.body!;
  if (!ts.isBlock(body)) return closure(cx, factory, body);
  const statements = body.statements;
  const last = statements[statements.length - 1];
  const returnsNoFunction = () =>
    cx.fail(
      call,
      "AD1004",
      "a function that returns a function must return one on each path its call takes, at its end or in the branches of `if` statements: this call throws, or returns from a loop or a switch",
      "return a function on every path the call takes (at the end, or from the branches of an if), and pass options the function accepts",
    );
  if (!last || !ts.isReturnStatement(last) || !last.expression || statements.slice(0, -1).some(containsReturn)) {
    const returned = (expression: ts.Expression) => closure(cx, factory, expression);
    const returnedBy = (path: readonly ts.Statement[]): Callable | undefined =>
      chosenReturn(cx, path, returned, (statement, rest) => choiceAtRunTime(cx, factory, statement, rest, returnedBy));
    return returnedBy(statements) ?? returnsNoFunction();
  }
  if (lowerStatements(cx, statements.slice(0, -1)) === "throws") return returnsNoFunction();
  return closure(cx, factory, last.expression);
}

// ----- parameters -----

/**
 * Binds an inlined function's captured variables and parameters to `args`; returns what ends
 * the call: the captured variables restored to what they were before, the function's
 * function-valued locals forgotten.
 */
export function bindParameters(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  target: FunctionValue,
  callArgs: Argument[],
): () => void {
  const before = [...target.captured.keys()].map((symbol) => ({
    symbol,
    value: cx.env.get(symbol),
    fn: cx.functions.get(symbol),
  }));
  for (const [symbol, bound] of target.captured) bind(cx, symbol, bound);
  cx.calledFunctions.push(target);
  const args = [...target.boundArguments, ...callArgs];
  const node = target.node;
  node.parameters.forEach((p, k) => {
    if (p.dotDotDotToken) return bindRest(cx, call, name, p, args.slice(k));
    let arg = args[k];
    if (arg !== undefined && "spread" in arg) return rejectSpread(cx, call, name);
    if (arg === undefined && p.initializer) {
      arg = isFunctionTyped(cx, p) ? functionValue(cx, p.initializer) : lowerExpression(cx, p.initializer);
    }
    if (arg === undefined) return omitted(cx, call, name, p);
    if (isCallable(arg)) {
      if (!ts.isIdentifier(p.name)) return cx.unsupported(p);
      cx.functions.set(cx.symbolOf(p.name), arg);
    } else {
      // An object pattern's defaults are decided by the fields the argument has (objects.ts).
      if (!ts.isObjectBindingPattern(p.name) && hasElementDefault(p.name)) {
        cx.fail(
          p,
          "AD1004",
          `defaults inside the destructured array parameter '${p.name.getText()}' are not supported yet`,
          "pass every element, or destructure an object instead: ({ a = 1, b }: T)",
        );
      }
      bindPattern(cx, p.name, arg);
    }
  });
  return () => {
    for (const [symbol, bound] of target.captured) {
      const now = isCallable(bound) ? cx.functions.get(symbol) : cx.env.get(symbol);
      if (now !== bound) {
        cx.fail(
          call,
          "AD1004",
          `'${name}' assigns '${symbol.name}', a variable of the function that made it, which keeps it between calls`,
          `return the new value instead, or keep '${symbol.name}' in the function that calls '${name}'`,
        );
      }
    }
    cx.calledFunctions.pop();
    for (const symbol of [...cx.undefinedParameters]) {
      if (symbol.valueDeclaration && encloses(node, symbol.valueDeclaration)) cx.undefinedParameters.delete(symbol);
    }
    for (const symbol of [...cx.functions.keys()]) {
      if (symbol.valueDeclaration && encloses(node, symbol.valueDeclaration)) cx.functions.delete(symbol);
    }
    for (const { symbol, value, fn } of before) {
      if (value) cx.env.set(symbol, value);
      else cx.env.delete(symbol);
      if (fn) cx.functions.set(symbol, fn);
      else cx.functions.delete(symbol);
    }
  };
}

/** True for a destructuring pattern with a default value in it (`{ a = 1 }`, `[x, y = 0]`). */
function hasElementDefault(name: ts.BindingName): boolean {
  if (ts.isIdentifier(name)) return false;
  return name.elements.some(
    (element) =>
      !ts.isOmittedExpression(element) && (element.initializer !== undefined || hasElementDefault(element.name)),
  );
}

function bind(cx: LoweringContext, symbol: ts.Symbol, bound: Bound): void {
  if (isCallable(bound)) cx.functions.set(symbol, bound);
  else cx.env.set(symbol, bound);
}

/** `...xs: number[]`: a new array of the remaining arguments (a copy of one spread array). */
function bindRest(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  p: ts.ParameterDeclaration,
  args: Argument[],
): void {
  const [only] = args;
  if (args.length === 1 && only !== undefined && "spread" in only) {
    bindPattern(cx, p.name, cx.builder.emit("array.copy", [only.spread], "array", { kind: "Array" }));
    return;
  }
  const numbers = args.map((arg) =>
    arg !== undefined && !("spread" in arg) && !isCallable(arg) && arg.type === "number" ? arg : undefined,
  );
  if (numbers.some((arg) => arg === undefined)) rejectSpread(cx, call, name);
  bindPattern(cx, p.name, cx.builder.emit("array.literal", numbers as Value[], "array", { kind: "Array" }));
}

function rejectSpread(cx: LoweringContext, call: ts.CallExpression, name: string): never {
  return cx.fail(
    call,
    "AD1004",
    `the arguments of '${name}' are supported as numbers for a rest parameter, or one spread array passed to it`,
    `pass the numbers one by one, or the array as one argument: ${name}(...xs) to a function taking ...xs: number[]`,
  );
}

/**
 * An optional parameter the call leaves out: `p === undefined` and `p ?? e` are decided at
 * compile time (see lowerUndefinedTest), and elsewhere a number reads as NaN, which arithmetic
 * and comparisons treat as they treat undefined. A destructured one must be given.
 */
function omitted(cx: LoweringContext, call: ts.CallExpression, name: string, p: ts.ParameterDeclaration): void {
  if (!ts.isIdentifier(p.name)) {
    cx.fail(
      call,
      "AD1004",
      `'${name}' destructures its parameter '${p.name.getText()}', which this call leaves undefined`,
      "pass it, or give it a default value",
    );
  }
  const symbol = cx.symbolOf(p.name);
  cx.undefinedParameters.add(symbol);
  // A boolean, string or object left out has no stand-in: reading it is a diagnostic.
  if (cx.irType(cx.checker.getNonNullableType(cx.checker.getTypeAtLocation(p))) === "number") {
    const standIn = cx.builder.constant(NaN, "NaN");
    standIns.set(symbol, standIn);
    cx.bind(symbol, standIn);
  }
}

/** The NaN a number parameter left out by a call holds until the function assigns it. */
const standIns = new WeakMap<ts.Symbol, Value>();

/** Whether the call being inlined leaves out this parameter and the function has not assigned
 * it since; undefined when it was left out and has been assigned. */
export function leftOutState(cx: LoweringContext, symbol: ts.Symbol): boolean | undefined {
  if (!cx.undefinedParameters.has(symbol)) return false;
  const now = cx.env.get(symbol);
  return now === undefined || now === standIns.get(symbol) ? true : undefined;
}

/**
 * Whether the call being inlined leaves out this parameter of the function: still true while
 * the function has not assigned it. Once the function assigns a parameter the call left out,
 * whether it is still undefined may depend on a branch taken when the code runs, so a test of
 * it is a diagnostic.
 */
export function isLeftOut(cx: LoweringContext, node: ts.Node, symbol: ts.Symbol): boolean {
  const leftOut = leftOutState(cx, symbol);
  if (leftOut !== undefined) return leftOut;
  return cx.fail(
    node,
    "AD1004",
    `'${symbol.name}' is a parameter the call leaves out and the function assigns: whether it is still undefined here is known only when the code runs`,
    `test it once, into a new variable: const value = ${symbol.name} ?? ...`,
  );
}

/**
 * `p === undefined`, `p !== undefined` (also `==`, `!=` and `null`), `p ?? e`, and a ternary
 * testing `p` so, for a parameter `p` of an inlined function that may be left out: the call
 * decides them (a ternary lowers only the side taken); undefined for other expressions.
 */
export function lowerUndefinedTest(cx: LoweringContext, expression: ts.Expression): Value | undefined {
  if (ts.isIdentifier(expression)) {
    if (cx.undefinedParameters.size === 0) return undefined;
    const symbol = cx.checker.getSymbolAtLocation(expression);
    if (symbol && cx.undefinedParameters.has(symbol) && !cx.env.has(symbol)) {
      cx.fail(
        expression,
        "AD1004",
        `'${expression.text}' is left out by the call, and only numbers left out can be read`,
        `pass it, or test it first: ${expression.text} === undefined ? ... : ..., or ${expression.text} ?? ...`,
      );
    }
    return undefined;
  }
  if (ts.isConditionalExpression(expression)) {
    const decided = decideUndefinedTest(cx, unwrap(expression.condition));
    if (decided === undefined) return undefined;
    return lowerExpression(cx, decided ? expression.whenTrue : expression.whenFalse);
  }
  if (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) {
    const symbol = optionalParameter(cx, expression.left);
    if (!symbol) return undefined;
    return isLeftOut(cx, expression.left, symbol) ? lowerExpression(cx, expression.right) : cx.env.get(symbol)!;
  }
  const decided = decideUndefinedTest(cx, expression);
  return decided === undefined ? undefined : cx.boolean(decided);
}

/** Whether `p === undefined` (and the like, see lowerUndefinedTest) holds; undefined for other expressions. */
function decideUndefinedTest(cx: LoweringContext, expression: ts.Expression): boolean | undefined {
  if (!ts.isBinaryExpression(expression)) return undefined;
  const operator = expression.operatorToken.kind;
  const loose = operator === ts.SyntaxKind.EqualsEqualsToken || operator === ts.SyntaxKind.ExclamationEqualsToken;
  const negated =
    operator === ts.SyntaxKind.ExclamationEqualsEqualsToken || operator === ts.SyntaxKind.ExclamationEqualsToken;
  if (!loose && !negated && operator !== ts.SyntaxKind.EqualsEqualsEqualsToken) return undefined;
  const isAbsent = (node: ts.Expression) =>
    (ts.isIdentifier(node) && node.text === "undefined") || (loose && node.kind === ts.SyntaxKind.NullKeyword);
  const [side, other] = isAbsent(expression.right)
    ? [expression.left, expression.right]
    : [expression.right, expression.left];
  const symbol = optionalParameter(cx, side);
  if (!symbol || !isAbsent(other)) return undefined;
  return isLeftOut(cx, side, symbol) !== negated;
}

/** The symbol of an optional parameter of an inlined function, named by `node`. */
function optionalParameter(cx: LoweringContext, node: ts.Expression): ts.Symbol | undefined {
  const symbol = ts.isIdentifier(node) ? cx.checker.getSymbolAtLocation(node) : undefined;
  const declaration = symbol?.valueDeclaration;
  const optional =
    declaration &&
    ts.isParameter(declaration) &&
    declaration.questionToken &&
    (cx.env.has(symbol) || cx.undefinedParameters.has(symbol));
  return optional ? symbol : undefined;
}

// ----- what closures assign -----

/**
 * The functions `node` may call: arrow functions, function expressions and declarations written
 * in it, the functions the names in it hold or declare, and so on from their bodies.
 */
export function functionsReachedFrom(cx: LoweringContext, node: ts.Node): FunctionNode[] {
  const reached: FunctionNode[] = [];
  const reach = (fn: FunctionNode): void => {
    if (reached.includes(fn)) return;
    reached.push(fn);
    if (fn.body) visit(fn.body);
  };
  const visit = (child: ts.Node): void => {
    let fn: FunctionNode | undefined;
    if (ts.isArrowFunction(child) || ts.isFunctionExpression(child) || ts.isFunctionDeclaration(child)) fn = child;
    else if (ts.isIdentifier(child)) {
      const symbol = cx.checker.getSymbolAtLocation(child);
      const held = symbol && cx.functions.get(symbol);
      if (held instanceof FunctionChoice) return alternativeNodes(held).forEach(reach);
      fn = userNode(held) ?? helperOf(cx.checker, child);
    }
    if (!fn) return ts.forEachChild(child, visit);
    reach(fn);
  };
  visit(node);
  return reached;
}

/** The assignment targets, in the functions `node` may call (see functionsReachedFrom), of
 * variables declared outside those functions: what a loop calling them carries. */
export function assignmentsThroughFunctions(cx: LoweringContext, node: ts.Node): ts.Expression[] {
  return functionsReachedFrom(cx, node).flatMap((fn) => {
    const targets: ts.Expression[] = [];
    const visit = (child: ts.Node): void => {
      // Objects passed to be written into (see object-arguments.ts) are assigned too.
      for (const target of [assignmentTarget(child) ?? changedReceiver(cx, child), ...writtenArguments(cx, child)]) {
        if (!target) continue;
        let root = target;
        while (ts.isPropertyAccessExpression(root)) root = root.expression;
        // An arrow function's `this` is its caller's.
        const callersThis = root.kind === ts.SyntaxKind.ThisKeyword && ts.isArrowFunction(fn);
        const declaration = ts.isIdentifier(root) ? cx.checker.getSymbolAtLocation(root)?.valueDeclaration : undefined;
        if (callersThis || (declaration && !encloses(fn, declaration))) targets.push(target);
      }
      if (!ts.isFunctionLike(child)) ts.forEachChild(child, visit);
    };
    if (fn.body) visit(fn.body);
    return targets;
  });
}

/** True for a declared name holding a function, or an array of functions. */
export function holdsFunctions(cx: LoweringContext, name: ts.Identifier): boolean {
  if (isFunctionTyped(cx, name)) return true;
  const type = cx.checker.getTypeAtLocation(name);
  const element = cx.checker.isArrayType(type) ? cx.checker.getTypeArguments(type as ts.TypeReference)[0] : undefined;
  return element !== undefined && element.getCallSignatures().length > 0;
}

/** `const f = (x) => ...`, `const line = fitLine(data)`: the variable holds the function. */
export function declareFunction(cx: LoweringContext, declaration: ts.VariableDeclaration): void {
  if (!isFunctionTyped(cx, declaration.name)) {
    cx.fail(
      declaration,
      "AD1004",
      "arrays of functions are not supported: the compiler cannot tell which one a call calls",
      "call the functions by name, or pass the numbers they compute",
    );
  }
  if (!ts.isIdentifier(declaration.name) || !declaration.initializer) {
    cx.fail(
      declaration,
      "AD1004",
      "a function variable must be declared with its function",
      "write const f = (...) => ... and do not assign it again",
    );
  }
  cx.functions.set(cx.symbolOf(declaration.name), functionValue(cx, declaration.initializer));
}

/** A function where a number, array or object is expected: assigned, returned from a branch, stored. */
export function rejectFunctionValue(cx: LoweringContext, node: ts.Node): never {
  return cx.fail(
    node,
    "AD1004",
    "functions are supported where they are called, declared (const f = ...), passed to a function or returned from one at its end; not assigned again, stored in objects or arrays, or chosen by a condition",
    "call the function where it is needed, or declare one const for each function",
  );
}

/** True for an expression lowerExpression is given that is a function (see rejectFunctionValue). */
export function isFunctionValued(cx: LoweringContext, expression: ts.Expression): boolean {
  if (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression)) return true;
  const mayBeFunction =
    ts.isIdentifier(expression) || ts.isCallExpression(expression) || ts.isConditionalExpression(expression);
  return mayBeFunction && isFunctionTyped(cx, expression);
}

/**
 * True when calling the function changes nothing outside it: it assigns only its own locals,
 * writes no array, and calls only `Math` functions and functions of which the same holds.
 */
export function changesNothingOutside(cx: LoweringContext, target: Callable): boolean {
  if (target instanceof MathFunction) return true;
  if (target instanceof FunctionChoice)
    return target.alternatives.every((alternative) => changesNothingOutside(cx, alternative));
  const checked = new Set<FunctionNode>();
  const isPure = (fn: FunctionNode): boolean => {
    if (checked.has(fn)) return true;
    checked.add(fn);
    let pure = true;
    const visit = (node: ts.Node): void => {
      const target = assignmentTarget(node);
      if (target) {
        let root = target;
        while (ts.isPropertyAccessExpression(root)) root = root.expression;
        const declaration = ts.isIdentifier(root) ? cx.checker.getSymbolAtLocation(root)?.valueDeclaration : undefined;
        if (!declaration || !encloses(fn, declaration)) pure = false;
      }
      if (ts.isCallExpression(node) && !callsPure(node)) pure = false;
      if (pure) ts.forEachChild(node, visit);
    };
    if (fn.body) visit(fn.body);
    return pure;
  };
  const callsPure = (call: ts.CallExpression): boolean => {
    const callee = call.expression;
    if (ts.isPropertyAccessExpression(callee))
      return ts.isIdentifier(callee.expression) && callee.expression.text === "Math";
    if (!ts.isIdentifier(callee)) return false;
    const symbol = cx.checker.getSymbolAtLocation(callee);
    const known = (symbol && userNode(cx.functions.get(symbol))) ?? helperOf(cx.checker, callee);
    return known !== undefined && isPure(known);
  };
  return isPure(target.node);
}

/** True for a block with a `return` other than its own statements (in a branch or a loop). */
function returnsEarly(body: ts.Block): boolean {
  return body.statements.some((statement) => !ts.isReturnStatement(statement) && containsReturn(statement));
}

/** The node of a function of the program; undefined for none or a Math function. */
function userNode(callable: Callable | undefined): FunctionNode | undefined {
  return callable instanceof FunctionValue ? callable.node : undefined;
}
