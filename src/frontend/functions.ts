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
import type { FunctionNode } from "./annotations.js";
import { helperOf, inlineFunction } from "./calls.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { functionProperty, isFunctionPropertyCall, namedFunctionExpression } from "./function-properties.js";
import { moduleFunctionOf } from "./modules.js";
import { bindPattern } from "./objects.js";
import { lowerStatements } from "./statements.js";
import { assignmentTarget, containsReturn, readsAny } from "./syntax.js";

/** What a parameter or a captured variable is bound to: a value, or a function known at compile time. */
export type Bound = Value | FunctionValue;

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

/** True for an expression or declaration whose type is a function type. */
export function isFunctionTyped(cx: LoweringContext, node: ts.Node): boolean {
  const type = cx.checker.getNonNullableType(cx.checker.getTypeAtLocation(node));
  return type.getCallSignatures().length > 0;
}

/** True for a declaration that `node` holds, in its source file. */
function encloses(outer: ts.Node, inner: ts.Node): boolean {
  return inner.getSourceFile() === outer.getSourceFile() && inner.pos >= outer.pos && inner.end <= outer.end;
}

/** The function a function-typed expression stands for, at compile time. */
export function functionValue(cx: LoweringContext, expression: ts.Expression): FunctionValue {
  const node = unwrap(expression);
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
      const target = functionValue(cx, callee.expression);
      // `bind` evaluates its arguments now; `this` is not supported, so the first is left out.
      const bound = lowerArguments(cx, node.arguments.slice(1));
      return new FunctionValue(target.node, target.captured, [...target.boundArguments, ...bound]);
    }
    return returnedFunction(cx, node);
  }
  if (ts.isConditionalExpression(node) || ts.isBinaryExpression(node)) {
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
  if (ts.isElementAccessExpression(node)) {
    return cx.fail(
      node,
      "AD1004",
      "functions stored in arrays are not supported: the compiler cannot tell which one is called",
      "call the functions by name, or pass the numbers they compute",
    );
  }
  return cx.fail(
    node,
    "AD1004",
    `'${node.getText(cx.sourceFile)}' is not a function the compiler knows at compile time`,
    "call a function declared with `function` or `const f = (...) => ...`",
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
function namedFunction(cx: LoweringContext, identifier: ts.Identifier): FunctionValue {
  const symbol = cx.checker.getSymbolAtLocation(identifier);
  const known = symbol && cx.functions.get(symbol);
  if (known) return known;
  const helper = helperOf(cx.checker, identifier);
  if (helper) return new FunctionValue(helper);
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
): { target: ts.Expression; args: ts.Expression[] } | undefined {
  const callee = unwrap(call.expression);
  if (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === "call" &&
    isFunctionTyped(cx, callee.expression) &&
    !cx.types.isObject(cx.checker.getTypeAtLocation(callee.expression))
  ) {
    // `f.call(thisArg, ...args)`: `this` is not supported, so the first argument is dropped.
    return { target: callee.expression, args: call.arguments.slice(1) };
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

/** A call through a function value, inlined; undefined when the call is not one. */
export function lowerFunctionValueCall(
  cx: LoweringContext,
  call: ts.CallExpression,
): { result: Value | undefined } | undefined {
  const called = calledValue(cx, call);
  if (!called) return undefined;
  const target = functionValue(cx, called.target);
  const outcome = inlineFunctionValue(cx, call, target, lowerArguments(cx, called.args), () =>
    lowerFunctionBody(cx, target.node),
  );
  return { result: typeof outcome === "object" ? outcome : undefined };
}

/** The body of an inlined function: what it returns, or undefined when it returns nothing. */
export function lowerFunctionBody(cx: LoweringContext, node: FunctionNode): Value | undefined {
  const body = node.body!;
  const outcome = ts.isBlock(body) ? lowerStatements(cx, body.statements) : lowerExpression(cx, body);
  return typeof outcome === "object" ? outcome : undefined;
}

/** Calls `target` on arguments already lowered (a callback of an array method). */
export function callFunctionValue(
  cx: LoweringContext,
  call: ts.CallExpression,
  target: FunctionValue,
  args: Argument[],
): Value | undefined {
  return inlineFunctionValue(cx, call, target, args, () => lowerFunctionBody(cx, target.node));
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
    return isFunctionTyped(cx, arg) ? functionValue(cx, arg) : lowerExpression(cx, arg);
  });
}

// ----- factories -----

/**
 * A call returning a function (`fitLine(data)`, `interpolator(values)`): the factory inlined up
 * to its one `return`, and the function it returns with the factory's locals captured.
 */
function returnedFunction(cx: LoweringContext, call: ts.CallExpression): FunctionValue {
  const called = calledValue(cx, call) ?? { target: call.expression, args: [...call.arguments] };
  const factory = functionValue(cx, called.target);
  return inlineFunctionValue(cx, call, factory, lowerArguments(cx, called.args), () => {
    const returned = functionValue(cx, returnedExpression(cx, call, factory.node));
    if (!encloses(factory.node, returned.node)) return returned;
    const captured = new Map(returned.captured);
    for (const [symbol, value] of [...cx.env, ...cx.functions]) {
      const declaration = symbol.valueDeclaration;
      if (declaration && encloses(factory.node, declaration) && !encloses(returned.node, declaration))
        captured.set(symbol, value);
    }
    return new FunctionValue(returned.node, captured, returned.boundArguments);
  });
}

/** Lowers a factory's statements before its `return`, and gives the returned expression. */
function returnedExpression(cx: LoweringContext, call: ts.CallExpression, factory: FunctionNode): ts.Expression {
  const body = factory.body!;
  if (!ts.isBlock(body)) return body;
  const statements = body.statements;
  const last = statements[statements.length - 1];
  if (!last || !ts.isReturnStatement(last) || !last.expression || statements.slice(0, -1).some(containsReturn)) {
    return cx.fail(
      call,
      "AD1004",
      "a function that returns a function must return it once, at its end",
      "compute what differs first, then end with one `return (x) => ...`",
    );
  }
  lowerStatements(cx, statements.slice(0, -1));
  return last.expression;
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
    if (arg === undefined) return omitted(cx, call, name, node, p);
    if (arg instanceof FunctionValue) {
      if (!ts.isIdentifier(p.name)) return cx.unsupported(p);
      cx.functions.set(cx.symbolOf(p.name), arg);
    } else {
      bindPattern(cx, p.name, arg);
    }
  });
  return () => {
    for (const [symbol, bound] of target.captured) {
      const now = bound instanceof FunctionValue ? cx.functions.get(symbol) : cx.env.get(symbol);
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

function bind(cx: LoweringContext, symbol: ts.Symbol, bound: Bound): void {
  if (bound instanceof FunctionValue) cx.functions.set(symbol, bound);
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
    arg !== undefined && !("spread" in arg) && !(arg instanceof FunctionValue) && arg.type === "number"
      ? arg
      : undefined,
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

/** An optional parameter the call leaves out: fine while the function does not read it. */
function omitted(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  node: FunctionNode,
  p: ts.ParameterDeclaration,
): void {
  const symbols = ts.isIdentifier(p.name) ? [cx.symbolOf(p.name)] : [];
  if (symbols.length > 0 && node.body && !readsAny(cx.checker, node.body, symbols)) return;
  cx.fail(
    call,
    "AD1004",
    `'${name}' reads its parameter '${p.name.getText()}', which this call leaves undefined`,
    `pass it, or give it a default value (${p.name.getText()} = ...)`,
  );
}

// ----- what closures assign -----

/**
 * The functions `node` may call through function values: arrow functions and function
 * expressions written in it, the functions variables in it hold, and so on from their bodies.
 */
export function functionsReachedFrom(cx: LoweringContext, node: ts.Node): FunctionNode[] {
  const reached: FunctionNode[] = [];
  const visit = (child: ts.Node): void => {
    let fn: FunctionNode | undefined;
    if (ts.isArrowFunction(child) || ts.isFunctionExpression(child)) fn = child;
    else if (ts.isIdentifier(child)) {
      const symbol = cx.checker.getSymbolAtLocation(child);
      fn = symbol && cx.functions.get(symbol)?.node;
    }
    if (!fn) return ts.forEachChild(child, visit);
    if (reached.includes(fn)) return;
    reached.push(fn);
    if (fn.body) visit(fn.body);
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
      const target = assignmentTarget(child);
      if (target) {
        let root = target;
        while (ts.isPropertyAccessExpression(root)) root = root.expression;
        const declaration = ts.isIdentifier(root) ? cx.checker.getSymbolAtLocation(root)?.valueDeclaration : undefined;
        if (declaration && !encloses(fn, declaration)) targets.push(target);
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
