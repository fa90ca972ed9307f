/**
 * The built-in functions load-time code may call, as rules: `Object.keys` and its kin,
 * `Object.defineProperty`, the deterministic `Math` functions and the array methods tables are
 * built with. Each takes the receiver and the arguments already evaluated and gives the result;
 * callbacks (`forEach`, `map`) call back into the interpreter. Anything not listed is not
 * called: the interpreter gives up on it (interpreter.ts), and the compiler never calls into
 * the host (no I/O, no `Math.random`, no `Date`).
 */
import type { ts } from "ts-morph";
import { type HeapValue, HeapArray, HeapFunction, HeapObject, Unknown } from "./heap.js";

/** What a rule may ask of the interpreter. */
export interface NativeContext {
  call(fn: HeapValue, thisValue: HeapValue, args: HeapValue[]): HeapValue;
  /** Stops the interpretation: the load code does something the compiler does not evaluate. */
  stop(why: string): never;
  /** The function whose code is running (undefined: top-level code), which writes are recorded against. */
  writer(): ts.FunctionLikeDeclaration | undefined;
  truthy(value: HeapValue): boolean;
  strictEquals(a: HeapValue, b: HeapValue): boolean;
  toKey(value: HeapValue): string;
}

type Native = (cx: NativeContext, args: HeapValue[]) => HeapValue;
type Method = (cx: NativeContext, receiver: HeapArray, args: HeapValue[]) => HeapValue;

function objectArgument(cx: NativeContext, value: HeapValue, what: string): HeapObject {
  if (value instanceof HeapObject) return value;
  return cx.stop(`${what} is given ${value instanceof Unknown ? "a value it does not compute" : "no object"}`);
}

/** `Math`'s deterministic functions: everything but `random`. */
const mathFunctions = Object.getOwnPropertyNames(Math).filter(
  (name) => name !== "random" && typeof (Math as unknown as Record<string, unknown>)[name] === "function",
);

const math = Math as unknown as Record<string, (...args: number[]) => number>;

/** Functions of the global objects, by their dotted name. */
export const globalFunctions: ReadonlyMap<string, Native> = new Map<string, Native>([
  ["Object.keys", (cx, [o]) => new HeapArray(objectArgument(cx, o, "Object.keys").keys())],
  [
    "Object.values",
    (cx, [o]) => {
      const object = objectArgument(cx, o, "Object.values");
      return new HeapArray(object.keys().map((key) => object.get(key)));
    },
  ],
  [
    "Object.entries",
    (cx, [o]) => {
      const object = objectArgument(cx, o, "Object.entries");
      return new HeapArray(object.keys().map((key) => new HeapArray([key, object.get(key)])));
    },
  ],
  [
    "Object.defineProperty",
    (cx, [o, key, descriptor]) => {
      const object = objectArgument(cx, o, "Object.defineProperty");
      const options = objectArgument(cx, descriptor, "Object.defineProperty's descriptor");
      if (options.properties.has("get") || options.properties.has("set"))
        cx.stop("Object.defineProperty defines an accessor");
      const name = cx.toKey(key);
      // A new property is not enumerable unless the descriptor says so.
      const enumerable = object.properties.has(name)
        ? object.properties.get(name)!.enumerable
        : cx.truthy(options.get("enumerable"));
      object.properties.delete(name);
      object.set(name, options.get("value"), cx.writer(), enumerable);
      return object;
    },
  ],
  [
    "Object.assign",
    (cx, [target, ...sources]) => {
      const object = objectArgument(cx, target, "Object.assign");
      for (const source of sources) {
        if (source === undefined || source === null) continue;
        const from = objectArgument(cx, source, "Object.assign");
        for (const key of from.keys()) object.set(key, from.get(key), cx.writer());
      }
      return object;
    },
  ],
  ["Object.freeze", (_cx, [o]) => o],
  [
    "Object.create",
    (cx, [prototype]) => (prototype === null ? new HeapObject() : cx.stop("Object.create is given a prototype")),
  ],
  ["Array.isArray", (_cx, [a]) => a instanceof HeapArray],
  ["Number.isInteger", (_cx, [n]) => Number.isInteger(n)],
  ["Number.isFinite", (_cx, [n]) => Number.isFinite(n)],
  ["Number.isNaN", (_cx, [n]) => Number.isNaN(n)],
  ...mathFunctions.map((name): [string, Native] => [
    `Math.${name}`,
    (cx, args) => {
      if (!args.every((arg) => typeof arg === "number")) cx.stop(`Math.${name} is given something other than numbers`);
      return math[name]!(...(args as number[]));
    },
  ]),
]);

/** Numeric constants of the global objects (`Math.PI`, `Number.EPSILON`). */
export function globalConstant(object: string, name: string): number | undefined {
  if (object !== "Math" && object !== "Number") return undefined;
  const value = (object === "Math" ? Math : Number)[name as keyof (Math | NumberConstructor)];
  return typeof value === "number" ? value : undefined;
}

function callback(cx: NativeContext, fn: HeapValue, method: string): HeapValue {
  return fn instanceof HeapFunction ? fn : cx.stop(`'${method}' is given no function the compiler follows`);
}

/** Each element with its index: the arguments a callback of an array method takes. */
function eachElement(cx: NativeContext, array: HeapArray, fn: HeapValue, method: string, thisArg?: HeapValue) {
  const f = callback(cx, fn, method);
  const length = array.elements.length;
  const results: HeapValue[] = [];
  for (let i = 0; i < length; i++) results.push(cx.call(f, thisArg, [array.elements[i], i, array]));
  return results;
}

/** Methods of arrays. */
export const arrayMethods: ReadonlyMap<string, Method> = new Map<string, Method>([
  [
    "push",
    (cx, array, args) => {
      array.elements.push(...args);
      array.writers.add(cx.writer());
      return array.elements.length;
    },
  ],
  [
    "pop",
    (cx, array) => {
      array.writers.add(cx.writer());
      return array.elements.pop();
    },
  ],
  [
    "shift",
    (cx, array) => {
      array.writers.add(cx.writer());
      return array.elements.shift();
    },
  ],
  [
    "unshift",
    (cx, array, args) => {
      array.elements.unshift(...args);
      array.writers.add(cx.writer());
      return array.elements.length;
    },
  ],
  ["indexOf", (cx, array, [v]) => array.elements.findIndex((e) => cx.strictEquals(e, v))],
  ["includes", (cx, array, [v]) => array.elements.some((e) => cx.strictEquals(e, v) || (e !== e && v !== v))],
  [
    "slice",
    (_cx, array, [start, end]) =>
      new HeapArray(array.elements.slice(start as number | undefined, end as number | undefined)),
  ],
  [
    "concat",
    (_cx, array, args) =>
      new HeapArray(array.elements.concat(...args.map((a) => (a instanceof HeapArray ? a.elements : [a])))),
  ],
  ["join", (cx, array, [separator]) => array.elements.map((e) => cx.toKey(e)).join((separator as string) ?? ",")],
  [
    "forEach",
    (cx, array, [fn, thisArg]) => {
      eachElement(cx, array, fn, "forEach", thisArg);
      return undefined;
    },
  ],
  ["map", (cx, array, [fn, thisArg]) => new HeapArray(eachElement(cx, array, fn, "map", thisArg))],
  [
    "filter",
    (cx, array, [fn, thisArg]) => {
      const kept = eachElement(cx, array, fn, "filter", thisArg);
      return new HeapArray(array.elements.filter((_, i) => cx.truthy(kept[i])));
    },
  ],
  [
    "reduce",
    (cx, array, [fn, ...initial]) => {
      const f = callback(cx, fn, "reduce");
      if (initial.length === 0 && array.elements.length === 0) cx.stop("reduce of an empty array throws");
      let total = initial.length > 0 ? initial[0] : array.elements[0];
      for (let i = initial.length > 0 ? 0 : 1; i < array.elements.length; i++)
        total = cx.call(f, undefined, [total, array.elements[i], i, array]);
      return total;
    },
  ],
]);
