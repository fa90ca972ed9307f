/**
 * Array methods, lowered to counted loops over the array in JavaScript's order: the callback
 * methods `forEach`, `map`, `reduce`, `filter`, `some`, `every`, `find`, `findIndex` and
 * `Array.from(xs, f)` / `Array.from({ length: n }, f)` (the callback inlined in the loop body,
 * called with the element, the index and the array, as many as it takes), `indexOf`,
 * `includes`, `at`, `fill` of a local array, and spreads: `Math.max(...xs)`, `Math.min(...xs)`,
 * `[...xs, y]`.
 *
 * The loop is bound by the length the array has when the method starts (elements pushed meanwhile
 * are not visited) and reads each element when it gets to it; `some`, `every`, `find` and
 * `findIndex` do not call the callback after the answer is known. The loop carries the
 * variables the callback assigns.
 */
import { ts } from "ts-morph";
import type { ArrayKind, Value } from "../ir/types.js";
import { elementOf } from "./arrays.js";
import type { LoweringContext } from "./context.js";
import { lowerBranches } from "./control-flow.js";
import { lowerExpression, lowerNumber } from "./expressions.js";
import {
  type Argument,
  assignmentsThroughFunctions,
  callFunctionValue,
  changesNothingOutside,
  type Callable,
  functionValue,
  FunctionValue,
  MathFunction,
} from "./functions.js";
import { FunctionChoice } from "./function-choices.js";
import { carriedOf } from "./loop-analysis.js";
import { arrayLength, newObjectArray, objectArrayPaths, setObjectElement } from "./object-arrays.js";
import { declareCarried, emitCountedLoop, rejectCarriedArrays } from "./loops.js";
import { skipParentheses } from "./syntax.js";

/** The variables the lowering adds for a method's state, by what they hold. */
const stateNames = { accumulator: "acc", done: "found", found: "result", extremum: "extremum" } as const;

/** The methods that take a callback, and the loop each becomes. */
const callbackMethods: Readonly<
  Record<string, (cx: LoweringContext, method: MethodCall, callback: Callable) => Value | undefined>
> = {
  forEach: (cx, m, callback) => {
    overElements(cx, m, [], (element, index) => void invoke(cx, m, callback, element, index));
    return undefined;
  },
  map: (cx, m, callback) => {
    // A typed array's map gives an array of its kind (a Float32Array rounds what it stores).
    const objectPaths = cx.types.elementFields(cx.checker.getTypeAtLocation(m.call));
    if (objectPaths) return mapToObjects(cx, m, objectPaths, callback);
    const out = newArray(cx, m.length(), cx.arrayKind(cx.checker.getTypeAtLocation(m.call)));
    overElements(cx, m, [], (element, index) => {
      const value = returned(cx, m, invoke(cx, m, callback, element, index));
      if (value.type !== "number") {
        cx.fail(
          m.call,
          "AD1004",
          "map is supported with callbacks returning numbers: local arrays hold numbers",
          "map to one array per field (xs.map((x) => x.a)), or loop over the elements",
        );
      }
      cx.builder.op({ opcode: "array.set", operands: [out, index, value] });
      cx.elementReads.clear();
    });
    return out;
  },
  reduce: (cx, m, callback) => {
    const initial = m.call.arguments[1];
    if (!initial) {
      return cx.fail(
        m.call,
        "AD1004",
        "reduce without an initial value is not supported: it throws on an empty array",
        "give reduce its initial value, as in xs.reduce((sum, x) => sum + x, 0)",
      );
    }
    const first = callback instanceof FunctionValue ? callback.node.parameters[0]?.name : undefined;
    const accumulator = cx.synthetic(first && ts.isIdentifier(first) ? first.text : stateNames.accumulator);
    cx.env.set(accumulator, lowerExpression(cx, initial));
    overElements(cx, m, [accumulator], (element, index) => {
      const before = cx.env.get(accumulator)!;
      const next = returned(cx, m, invoke(cx, m, callback, element, index, before));
      cx.env.set(accumulator, cx.expectType(m.call, next, before.type));
    });
    return cx.env.get(accumulator)!;
  },
  filter: (cx, m, callback) => {
    if (cx.arrayKind(cx.checker.getTypeAtLocation(m.call)) !== "Array") {
      cx.fail(
        m.call,
        "AD1004",
        "filter is supported on number[] arrays: a typed array's filter gives a typed array, which cannot grow",
        "copy the elements into a number[] first (Array.from(xs)), or loop over the elements",
      );
    }
    const out = cx.builder.emit("array.literal", [], "array", { kind: "Array" });
    overElements(cx, m, [], (element, index) => {
      const kept = truth(cx, m.call, invoke(cx, m, callback, element, index));
      lowerBranches(
        cx,
        m.call,
        kept,
        () => void push(cx, out, cx.expectType(m.call, element(), "number")),
        () => undefined,
      );
    });
    return out;
  },
  some: (cx, m, callback) =>
    search(cx, m, (element, index) => truth(cx, m.call, invoke(cx, m, callback, element, index))).done,
  every: (cx, m, callback) => {
    const { done } = search(cx, m, (element, index) =>
      cx.builder.emit("not", [truth(cx, m.call, invoke(cx, m, callback, element, index))], "boolean"),
    );
    return cx.builder.emit("not", [done], "boolean");
  },
  find: (cx, m, callback) =>
    search(
      cx,
      m,
      (element, index) => truth(cx, m.call, invoke(cx, m, callback, element, index)),
      // undefined when no element matches, which arithmetic turns into NaN.
      cx.builder.constant(NaN, "NaN"),
      (element) => cx.expectType(m.call, element(), "number"),
    ).result!,
  findIndex: (cx, m, callback) =>
    search(
      cx,
      m,
      (element, index) => truth(cx, m.call, invoke(cx, m, callback, element, index)),
      cx.builder.constant(-1),
      (_, index) => index,
    ).result!,
};

/** Methods without a callback, given the method call. */
const plainMethods: Readonly<Record<string, (cx: LoweringContext, method: MethodCall) => Value>> = {
  indexOf: (cx, m) => {
    const target = lowerNumber(cx, onlyArgument(cx, m.call));
    const equal = (element: () => Value) => cx.builder.emit("eq", [element(), target], "boolean");
    return search(cx, m, equal, cx.builder.constant(-1), (_, index) => index).result!;
  },
  includes: (cx, m) => {
    const target = lowerNumber(cx, onlyArgument(cx, m.call));
    // SameValueZero: NaN is found too.
    const targetIsNaN = cx.builder.emit("ne", [target, target], "boolean");
    return search(cx, m, (element) => {
      const value = element();
      const bothNaN = cx.builder.emit(
        "and",
        [cx.builder.emit("ne", [value, value], "boolean"), targetIsNaN],
        "boolean",
      );
      return cx.builder.emit("or", [cx.builder.emit("eq", [value, target], "boolean"), bothNaN], "boolean");
    }).done;
  },
  at: (cx, m) => {
    const argument = onlyArgument(cx, m.call);
    const literal = literalValue(argument);
    if (literal !== undefined) {
      // The usual xs.at(-1): the index is known.
      const offset = cx.builder.constant(Math.abs(literal));
      const index = literal < 0 ? cx.builder.emit("sub", [m.length(), offset], "number") : offset;
      return elementOf(cx, m.receiver, m.array, index);
    }
    const position = lowerNumber(cx, argument);
    const length = m.length();
    const fromEnd = cx.builder.emit("add", [length, position], "number");
    const negative = cx.builder.emit("lt", [position, cx.builder.constant(0)], "boolean");
    const index = cx.builder.emit("select", [negative, fromEnd, position], "number");
    return elementOf(cx, m.receiver, m.array, index);
  },
  fill: (cx, m) => {
    if (cx.parameterArrays.has(m.array)) {
      const name = m.receiver.getText(cx.sourceFile);
      cx.fail(
        m.call,
        "AD1004",
        `'${name}' is a parameter: filling it would change the array the caller passed`,
        `copy it first (const copy = ${name}.slice()) and fill the copy`,
      );
    }
    const value = lowerNumber(cx, onlyArgument(cx, m.call));
    overElements(cx, m, [], (_, index) => {
      cx.builder.op({ opcode: "array.set", operands: [m.array, index, value] });
      cx.elementReads.clear();
    });
    return m.array;
  },
};

/** `xs.map((x) => ({ x, y: x * x }))`: a local array of objects (see object-arrays.ts). */
function mapToObjects(cx: LoweringContext, m: MethodCall, paths: string[], callback: Callable): Value {
  const out = newObjectArray(cx, paths, m.length());
  overElements(cx, m, [], (element, index) => {
    setObjectElement(cx, m.call, out, index, returned(cx, m, invoke(cx, m, callback, element, index)));
  });
  return out;
}

/** The methods that read a local array of objects element by element; the others (`fill`,
 * `indexOf`, `includes`: identity of objects) are refused on one. */
const methodsOverObjects: ReadonlySet<string> = new Set([
  "forEach",
  "map",
  "reduce",
  "some",
  "every",
  "findIndex",
  "at",
]);

function methodOverObjects(cx: LoweringContext, node: ts.Node, receiver: ts.Expression, array: Value): boolean {
  if (!objectArrayPaths(cx, receiver, array)) return false;
  const method =
    ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : "";
  if (methodsOverObjects.has(method)) return true;
  return cx.fail(
    node,
    "AD1004",
    `'${method || node.getText(cx.sourceFile)}' is not supported on a local array of objects`,
    "loop over the elements with for...of, or use forEach, map, reduce, some, every or findIndex",
  );
}

/** A loop over an array: where it is written, the array as written and its value, its length
 * when the loop starts. */
interface ElementLoop {
  node: ts.Node;
  receiver: ts.Expression;
  array: Value;
  length: () => Value;
  /** The functions the loop calls, whose assignments it carries. */
  callbacks: ts.Node[];
  /** For a map fused into the method after it: the mapped element, from the element read. */
  mapped?: (read: () => Value, index: Value) => Value;
}

/** A method called on an array. */
interface MethodCall extends ElementLoop {
  call: ts.CallExpression;
}

/**
 * `xs.map(f)` and the other methods above, and `Array.from(xs, f)`,
 * `Array.from({ length: n }, f)`; undefined for other calls.
 */
export function lowerArrayMethodCall(
  cx: LoweringContext,
  call: ts.CallExpression,
): { result: Value | undefined } | undefined {
  const callee = call.expression;
  if (callee.getText(cx.sourceFile) === "Array.from") return { result: lowerArrayFrom(cx, call) };
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const name = callee.name.text;
  const receiverType = cx.checker.getTypeAtLocation(callee.expression);
  const isMethod = Object.hasOwn(plainMethods, name) || Object.hasOwn(callbackMethods, name);
  if (isMethod && receiverType.getNumberIndexType()?.isTypeParameter()) {
    cx.fail(
      call,
      "AD1004",
      `'${callee.getText(cx.sourceFile)}' is called on an array of a type parameter, whose elements the compiler cannot lay out`,
      "give the function a concrete array type (number[], Point[], number[][])",
    );
  }
  if (cx.irType(receiverType) !== "array") return undefined;
  const lowerPlain = entryOf(plainMethods, name);
  if (lowerPlain) {
    return { result: lowerPlain(cx, methodCall(cx, call, callee.expression, lowerExpression(cx, callee.expression))) };
  }
  const lowerCallback = entryOf(callbackMethods, name);
  if (!lowerCallback) return undefined;
  const fused = fusedMap(cx, call, name, callee.expression);
  if (fused) return { result: lowerCallback(cx, fused.method, fused.callback) };
  const method = methodCall(cx, call, callee.expression, lowerExpression(cx, callee.expression));
  const callbackNode = call.arguments[0];
  if (!callbackNode) return cx.unsupported(call);
  if (name !== "reduce" && call.arguments.length > 1) {
    cx.fail(
      call.arguments[1]!,
      "AD1004",
      `the thisArg of '${name}' is not supported`,
      "leave it out and use the variables you need in the callback",
    );
  }
  return { result: lowerCallback(cx, { ...method, callbacks: [callbackNode] }, functionValue(cx, callbackNode)) };
}

/** The methods a map before them can be fused into, with the parameters their callbacks may
 * take: not the array, which the fused loop does not make. */
const fusibleArity: Readonly<Record<string, number>> = {
  reduce: 3,
  forEach: 2,
  some: 2,
  every: 2,
  find: 2,
  findIndex: 2,
};

/**
 * `xs.map(f).reduce(g, 0)` and the like: when f and g change nothing outside themselves (so the
 * order of their calls cannot be told), one loop over xs computes f's value where g reads it,
 * and the mapped array is not made. Undefined (having lowered nothing) when the chain does not
 * have this form.
 */
function fusedMap(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  receiver: ts.Expression,
): { method: MethodCall; callback: Callable } | undefined {
  const arity = entryOf(fusibleArity, name);
  const inner = skipParentheses(receiver);
  const [mapNode] = ts.isCallExpression(inner) ? inner.arguments : [];
  const outerNode = call.arguments[0];
  if (
    arity === undefined ||
    !ts.isCallExpression(inner) ||
    !ts.isPropertyAccessExpression(inner.expression) ||
    inner.expression.name.text !== "map" ||
    inner.arguments.length !== 1 ||
    !mapNode ||
    !outerNode ||
    ![mapNode, outerNode].every(isPlainFunction) ||
    cx.irType(cx.checker.getTypeAtLocation(inner.expression.expression)) !== "array" ||
    // A typed array's map stores into its kind (a Float32Array rounds).
    cx.arrayKind(cx.checker.getTypeAtLocation(inner)) !== "Array"
  ) {
    return undefined;
  }
  // Naming a function evaluates nothing, so they can be looked at before the array is lowered.
  const mapper = functionValue(cx, mapNode);
  const callback = functionValue(cx, outerNode);
  if (takenArguments(callback) > arity || !changesNothingOutside(cx, mapper) || !changesNothingOutside(cx, callback)) {
    return undefined;
  }
  const source = inner.expression.expression;
  const mapCall = methodCall(cx, inner, source, lowerExpression(cx, source));
  const mapped = (read: () => Value, index: Value) => {
    const value = returned(cx, mapCall, invoke(cx, mapCall, mapper, read, index));
    return cx.expectType(inner, value, "number");
  };
  return { method: { ...mapCall, call, callbacks: [mapNode, outerNode], mapped }, callback };
}

/** An arrow function, a function expression, a name or a Math function: a function value
 * that evaluates nothing. */
function isPlainFunction(node: ts.Expression): boolean {
  const inner = skipParentheses(node);
  const isMath =
    ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.expression) && inner.expression.text === "Math";
  return ts.isArrowFunction(inner) || ts.isFunctionExpression(inner) || ts.isIdentifier(inner) || isMath;
}

/** How many arguments a callback takes (Infinity with a rest parameter). */
function takenArguments(callback: Callable): number {
  if (callback instanceof MathFunction) return callback.arity;
  if (callback instanceof FunctionChoice) return Math.max(...callback.alternatives.map(takenArguments));
  const parameters = callback.node.parameters;
  if (parameters.some((p) => p.dotDotDotToken)) return Infinity;
  return Math.max(0, parameters.length - callback.boundArguments.length);
}

function methodCall(cx: LoweringContext, call: ts.CallExpression, receiver: ts.Expression, array: Value): MethodCall {
  return { ...elementLoop(cx, call, receiver, array), call };
}

function elementLoop(cx: LoweringContext, node: ts.Node, receiver: ts.Expression, array: Value): ElementLoop {
  if (array.type !== "array" && !methodOverObjects(cx, node, receiver, array)) return cx.unsupported(receiver);
  let length: Value | undefined;
  return {
    node,
    receiver,
    array,
    length: () => (length ??= arrayLength(cx, array)),
    callbacks: [],
  };
}

/** `Array.from(xs)`, `Array.from(xs, f)`, `Array.from({ length: n }, f)`. */
function lowerArrayFrom(cx: LoweringContext, call: ts.CallExpression): Value {
  const [source, fill] = call.arguments;
  if (!source) return cx.unsupported(call);
  const lengthProperty =
    ts.isObjectLiteralExpression(source) && source.properties.length === 1 ? source.properties[0] : undefined;
  const isLengthShape =
    lengthProperty !== undefined &&
    ts.isPropertyAssignment(lengthProperty) &&
    lengthProperty.name.getText(cx.sourceFile) === "length";
  const callback = fill && functionValue(cx, fill);
  if (isLengthShape) {
    const length = lowerNumber(cx, lengthProperty.initializer);
    const out = newArray(cx, length);
    if (!callback) return out;
    const m: ElementLoop = { node: call, receiver: source, array: out, length: () => length, callbacks: [fill!] };
    overElements(cx, m, [], (_, index) => {
      const value = callFunctionValue(cx, call, callback, callbackArguments(callback, [() => undefined, () => index]));
      storeReturned(cx, call, fill!, out, index, value);
    });
    return out;
  }
  const m = { ...methodCall(cx, call, source, lowerExpression(cx, source)), callbacks: fill ? [fill] : [] };
  if (!callback) return cx.builder.emit("array.copy", [m.array], "array", { kind: "Array" });
  const out = newArray(cx, m.length());
  overElements(cx, m, [], (element, index) => {
    const value = callFunctionValue(cx, call, callback, callbackArguments(callback, [element, () => index]));
    storeReturned(cx, call, fill!, out, index, value);
  });
  return out;
}

// ----- spreads -----

/** `out[index] = value`, the number a callback of `Array.from` returned. */
function storeReturned(
  cx: LoweringContext,
  call: ts.CallExpression,
  fill: ts.Expression,
  out: Value,
  index: Value,
  value: Value | undefined,
): void {
  const stored = cx.expectType(call, value ?? cx.rejectType(fill, "a callback returning nothing"), "number");
  cx.builder.op({ opcode: "array.set", operands: [out, index, stored] });
  cx.elementReads.clear();
}

/** `Math.max(...xs, y)`, `Math.min(...xs)`: a loop keeping the extremum; `out.push(...xs)`;
 * undefined for other calls. */
export function lowerSpreadCall(cx: LoweringContext, call: ts.CallExpression): { result: Value } | undefined {
  const pushed = lowerSpreadPush(cx, call);
  if (pushed) return { result: pushed };
  const name = call.expression.getText(cx.sourceFile);
  if ((name !== "Math.max" && name !== "Math.min") || !call.arguments.some(ts.isSpreadElement)) return undefined;
  const opcode = name === "Math.max" ? "max" : "min";
  const extremum = cx.synthetic(stateNames.extremum);
  cx.env.set(
    extremum,
    cx.builder.constant(opcode === "max" ? -Infinity : Infinity, opcode === "max" ? "-Infinity" : "Infinity"),
  );
  const include = (value: Value) =>
    cx.env.set(extremum, cx.builder.emit(opcode, [cx.env.get(extremum)!, value], "number"));
  for (const arg of call.arguments) {
    if (!ts.isSpreadElement(arg)) {
      include(lowerNumber(cx, arg));
      continue;
    }
    const m = elementLoop(cx, call, arg.expression, lowerExpression(cx, arg.expression));
    overElements(cx, m, [extremum], (element) => include(cx.expectType(arg, element(), "number")));
  }
  return { result: cx.env.get(extremum)! };
}

/** `out.push(...xs, y)`: each element pushed in order; gives the new length. */
function lowerSpreadPush(cx: LoweringContext, call: ts.CallExpression): Value | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "push" || !call.arguments.some(ts.isSpreadElement))
    return undefined;
  const out = lowerExpression(cx, callee.expression);
  if (out.type !== "array") return undefined;
  if (cx.parameterArrays.has(out)) {
    const name = callee.expression.getText(cx.sourceFile);
    cx.fail(
      call,
      "AD1004",
      `'${name}' is a parameter: writing into it would change the array the caller passed`,
      `copy it first (const copy = ${name}.slice()) and write into the copy`,
    );
  }
  pushAll(cx, call, out, call.arguments);
  return cx.builder.emit("array.length", [out], "number");
}

/** Pushes each element, or each element of each spread array, in order. */
function pushAll(cx: LoweringContext, node: ts.Node, out: Value, elements: readonly ts.Expression[]): void {
  for (const element of elements) {
    if (!ts.isSpreadElement(element)) {
      push(cx, out, lowerNumber(cx, element));
      continue;
    }
    const m = elementLoop(cx, node, element.expression, lowerExpression(cx, element.expression));
    overElements(cx, m, [], (value) => push(cx, out, cx.expectType(element, value(), "number")));
  }
}

/** `[...xs, y, ...ys]`: a new array the elements are pushed into, in order. */
export function lowerSpreadArrayLiteral(cx: LoweringContext, literal: ts.ArrayLiteralExpression): Value {
  const elements = literal.elements;
  const leading = elements.findIndex(ts.isSpreadElement);
  const out = cx.builder.emit(
    "array.literal",
    elements.slice(0, leading).map((element) => lowerNumber(cx, element)),
    "array",
    { kind: "Array" },
  );
  pushAll(cx, literal, out, elements.slice(leading));
  return out;
}

// ----- loops -----

/**
 * A counted loop over the indices of the method's array, carrying `state` and the variables
 * its callbacks assign; `body` is given the element (read when asked for) and the index.
 */
function overElements(
  cx: LoweringContext,
  m: ElementLoop,
  state: ts.Symbol[],
  body: (element: () => Value, index: Value) => void,
): void {
  // The callbacks' assignments are carried as the body's of a loop written out would be.
  const assigned = m.callbacks.flatMap((callback) => assignmentsThroughFunctions(cx, callback));
  const written = declareCarried(cx, carriedOf(cx, assigned, m.node, m.node)).filter((s) => !state.includes(s));
  rejectCarriedArrays(cx, m.node, written);
  const carried = [...state, ...written];
  const loop = {
    counterName: "i",
    start: cx.builder.constant(0),
    bound: m.length(),
    step: 1,
    comparison: "lt" as const,
    carried,
  };
  emitCountedLoop(cx, m.node, loop, (index) => {
    let element: Value | undefined;
    const read = () => elementOf(cx, m.receiver, m.array, index);
    body(() => (element ??= m.mapped ? m.mapped(read, index) : read()), index);
  });
}

/**
 * A search: `done` turns true at the first element `test` holds for, after which `test` is
 * not evaluated again; `result` starts as `initial` and becomes `found` of that element.
 */
function search(
  cx: LoweringContext,
  m: MethodCall,
  test: (element: () => Value, index: Value) => Value,
  initial?: Value,
  found?: (element: () => Value, index: Value) => Value,
): { done: Value; result?: Value } {
  const done = cx.synthetic(stateNames.done);
  const result = cx.synthetic(stateNames.found);
  cx.env.set(done, cx.boolean(false));
  if (initial) cx.env.set(result, initial);
  overElements(cx, m, initial ? [done, result] : [done], (element, index) => {
    const searching = cx.builder.emit("not", [cx.env.get(done)!], "boolean");
    lowerBranches(
      cx,
      m.call,
      searching,
      () => {
        const hit = test(element, index);
        cx.env.set(done, hit);
        if (found) {
          lowerBranches(
            cx,
            m.call,
            hit,
            () => void cx.env.set(result, found(element, index)),
            () => undefined,
          );
        }
        return undefined;
      },
      () => undefined,
    );
  });
  return initial ? { done: cx.env.get(done)!, result: cx.env.get(result)! } : { done: cx.env.get(done)! };
}

/** Calls a method's callback with (accumulator,) element, index and array, as many as it takes. */
function invoke(
  cx: LoweringContext,
  m: MethodCall,
  callback: Callable,
  element: () => Value,
  index: Value,
  accumulator?: Value,
): Value | undefined {
  const given = [element, () => index, () => m.array];
  const args = callbackArguments(callback, accumulator ? [() => accumulator, ...given] : given);
  return callFunctionValue(cx, m.call, callback, args);
}

/** What a callback returns, where a value is needed. */
function returned(cx: LoweringContext, m: MethodCall, value: Value | undefined): Value {
  return value ?? cx.rejectType(m.call.arguments[0]!, "a callback returning nothing");
}

/** The arguments a callback takes, computed only for the parameters it declares. */
function callbackArguments(callback: Callable, given: (() => Argument)[]): Argument[] {
  return given.slice(0, takenArguments(callback)).map((argument) => argument());
}

/** A callback's answer as a condition: a boolean, or a number tested for truthiness. */
function truth(cx: LoweringContext, node: ts.Node, value: Value | undefined): Value {
  if (!value) return cx.rejectType(node, "a callback returning nothing");
  if (value.type === "boolean") return value;
  if (value.type === "number") return cx.builder.emit("truthy", [value], "boolean");
  return cx.unsupported(node);
}

function newArray(cx: LoweringContext, length: Value, kind: ArrayKind = "Array"): Value {
  return cx.builder.emit("array.new", [length, cx.builder.constant(0)], "array", { kind });
}

function push(cx: LoweringContext, array: Value, value: Value): void {
  const index = cx.builder.emit("array.length", [array], "number");
  cx.builder.op({ opcode: "array.set", operands: [array, index, value], attrs: { push: true, grows: true } });
  cx.elementReads.clear();
}

function onlyArgument(cx: LoweringContext, call: ts.CallExpression): ts.Expression {
  const [argument] = call.arguments;
  if (!argument || call.arguments.length > 1 || ts.isSpreadElement(argument)) {
    return cx.fail(
      call,
      "AD1004",
      `'${call.expression.getText(cx.sourceFile)}' is supported with one argument`,
      "pass one value (a start index is not supported)",
    );
  }
  return argument;
}

/** The value of an integer literal, also negative (`-1`); undefined for other expressions. */
function literalValue(node: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (
    ts.isPrefixUnaryExpression(node) &&
    node.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(node.operand)
  )
    return -Number(node.operand.text);
  return undefined;
}

/** The entry of a method table, not a property every object has (`toString`). */
function entryOf<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
