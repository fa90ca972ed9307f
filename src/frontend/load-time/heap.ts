/**
 * The values load-time code builds (see interpreter.ts): numbers, strings, booleans,
 * `undefined` and `null` as themselves; objects, arrays and functions as heap records whose
 * properties the code filled; and `Unknown`, a value the interpreter does not compute (what
 * `Math.random()` or a host function returns), which stays a diagnostic wherever it is used.
 *
 * A function is its node and the scope it was made in: the variables it captured, as the load
 * left them. Scopes map names to bindings, as JavaScript's lexical scoping does, so a closure
 * sees what an identifier free in its body names without asking the type checker.
 */
import type { ts } from "ts-morph";
import type { FunctionNode } from "../annotations.js";

export type HeapValue = number | string | boolean | undefined | null | HeapObject | Unknown;

/** A value the interpreter does not compute, and why. */
export class Unknown {
  constructor(
    readonly why: string,
    readonly node: ts.Node,
  ) {}
}

export interface Property {
  value: HeapValue;
  /** False for a property made by `Object.defineProperty`, which `Object.keys` does not list. */
  enumerable: boolean;
}

/** An object: its own properties in insertion order, as `Object.keys` lists them. */
export class HeapObject {
  readonly properties = new Map<string, Property>();
  /** The functions whose code wrote a property (undefined: the module's top-level code). */
  readonly writers = new Set<FunctionNode | undefined>();

  get(key: string): HeapValue {
    return this.properties.get(key)?.value;
  }

  set(key: string, value: HeapValue, writer: FunctionNode | undefined, enumerable = true): void {
    const existing = this.properties.get(key);
    this.properties.set(key, { value, enumerable: existing ? existing.enumerable : enumerable });
    this.writers.add(writer);
  }

  keys(): string[] {
    return [...this.properties].filter(([, property]) => property.enumerable).map(([key]) => key);
  }
}

/** An array: its elements, and `length`. */
export class HeapArray extends HeapObject {
  constructor(readonly elements: HeapValue[] = []) {
    super();
  }

  override get(key: string): HeapValue {
    if (key === "length") return this.elements.length;
    const index = arrayIndex(key);
    return index === undefined ? super.get(key) : this.elements[index];
  }

  override set(key: string, value: HeapValue, writer: FunctionNode | undefined, enumerable = true): void {
    const index = arrayIndex(key);
    if (index === undefined) return super.set(key, value, writer, enumerable);
    this.elements[index] = value;
    this.writers.add(writer);
  }

  override keys(): string[] {
    return [...this.elements.keys()].map(String);
  }
}

/** A function made by load-time code: its node, the scope it closes over, its own properties. */
export class HeapFunction extends HeapObject {
  constructor(
    readonly node: FunctionNode,
    readonly scope: Scope,
    /** The module's source file belongs to the compiled program, so the function can be inlined. */
    readonly inProgram: boolean,
  ) {
    super();
  }
}

function arrayIndex(key: string): number | undefined {
  const index = Number(key);
  return Number.isInteger(index) && index >= 0 && String(index) === key ? index : undefined;
}

/** A variable's binding; an import reads the exporting module's binding when it is read. */
export type Binding = { value: HeapValue } | { read: () => HeapValue };

export class Scope {
  readonly bindings = new Map<string, Binding>();
  constructor(
    readonly parent: Scope | undefined,
    /** The function this scope belongs to (undefined for a module's scope). */
    readonly owner: FunctionNode | undefined,
  ) {}

  lookup(name: string): Binding | undefined {
    return this.bindings.get(name) ?? this.parent?.lookup(name);
  }
}

export function readBinding(binding: Binding): HeapValue {
  return "value" in binding ? binding.value : binding.read();
}

/** How a heap value is named in a diagnostic. */
export function describe(value: HeapValue): string {
  if (value instanceof HeapFunction) return "a function";
  if (value instanceof HeapArray) return "an array";
  if (value instanceof HeapObject) return "an object";
  if (value instanceof Unknown) return "a value the compiler does not compute";
  if (value === null) return "null";
  return typeof value === "string" ? `the string '${value}'` : String(value);
}
