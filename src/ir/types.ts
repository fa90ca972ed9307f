/**
 * The intermediate representation: structured SSA with regions.
 *
 * A function is a region. A region is a list of ops followed by the values it yields to its
 * parent. Every value is defined exactly once, by an op result or a region parameter, and is
 * visible in the rest of its region and in regions nested there (never outside its region).
 * Control flow is structured: an `if` op owns two regions and its results are the values the
 * taken branch yields (MLIR's `scf.if`). A `for` op owns one region whose parameters bind the
 * counter and the loop-carried values and whose yields pass them to the next iteration; its
 * results are the values after the last iteration (MLIR's `scf.for`). Reversal is recursion over
 * regions.
 *
 * Arrays are references: `array.get` reads an element, `array.add` adds into one; `array.row`
 * reads a row of an array of arrays. In an array of objects, `array.get` and `array.add` name a
 * field of the element (attrs.field).
 *
 * Objects are values built by the `object` op from their leaves (numbers, booleans, strings and
 * arrays, by dotted path). The frontend reads a field straight from the leaf and carries objects
 * through branches and loops leaf by leaf, so an `object` op is left only where a whole object
 * is returned. An object parameter is one IR parameter per leaf (see `Param.field`).
 *
 * Adjoint code adds two mutable concepts. The cell: `cell.new` declares an accumulator,
 * `cell.add` adds into it, `cell.set` overwrites it and `cell.read` takes its current value.
 * Cells are how contributions from several uses, in branches and loops, are summed (Tapenade's
 * and Tangent's `dx += ...`). The stack: values a loop body computes and the reverse sweep needs
 * are pushed in each iteration and popped, last first, in the reversed loop.
 */

import type { PrimitiveName } from "../rules/primitives.js";
import type { StructuralOpcode } from "./ops.js";

export type Type = "number" | "boolean" | "string" | "void" | "array" | "object" | "cell" | "stack";

/** How an array parameter is stored; its gradient has the same kind. */
export type ArrayKind = "Array" | "Float64Array" | "Float32Array";

/** Where an op came from in the user's source, for diagnostics and for comments in output. */
export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The source statement the op belongs to, on one line; used in comments of generated code. */
  statement: string;
}

export interface Value {
  readonly id: number;
  readonly type: Type;
  /** The user's variable name (or a name derived from it) when there is one. */
  name?: string;
  /** For an adjoint (or its accumulator): the forward value it is the adjoint of, so that
   * generated code can call it `dx` after whatever name `x` is printed with. */
  adjointOf?: Value;
}

export type AttrValue = number | string | boolean | readonly string[];

/** Every opcode of the IR: the structural ops of `ops.ts` and the primitives of the rule table. */
export type Opcode = StructuralOpcode | PrimitiveName;

export interface Op {
  opcode: Opcode;
  operands: Value[];
  results: Value[];
  regions: Region[];
  attrs: Record<string, AttrValue>;
  loc?: SourceLocation;
}

export interface Region {
  params: Value[];
  ops: Op[];
  yields: Value[];
}

export interface Param {
  value: Value;
  /** The parameter's type as written in the generated signature. */
  typeText: string;
  /** True for parameters that are differentiated. */
  differentiated: boolean;
  /** True for `int` parameters: their values are integers. */
  integer?: boolean;
  /** For array parameters: how the array (and so its gradient) is stored. */
  arrayKind?: ArrayKind;
  /** For arrays of arrays (`number[][]`, `Float64Array[]`): how each row is stored. */
  rowKind?: ArrayKind;
  /** The cotangent of a VJP: the array the result's adjoint starts from. */
  cotangent?: boolean;
  /** For a leaf of an object parameter: the parameter's name and the leaf's dotted path in it. */
  field?: { param: string; path: string };
  /** A leaf read once, at the function's entry, into a local named after its value (`const xDot
   * = tangents.x`), rather than at each use. */
  readAtEntry?: boolean;
  /** For an array of objects: the dotted paths of each element's number fields. */
  elementFields?: readonly string[];
  /** The parameter's default as the generated signature writes it (a literal). */
  defaultText?: string;
  /** A rest parameter (`...xs: number[]`): the last one, an array of numbers. */
  rest?: boolean;
}

export interface IRFunction {
  name: string;
  params: Param[];
  /** For a function returning an array: how it is stored (the gradient function is a VJP). */
  returnsArray?: ArrayKind;
  /** For a function returning an object: its structural type (the gradient function is a VJP). */
  returnsObject?: string;
  /**
   * What a generated function returns: `{ value, grad }` by default, `{ value, tangent }` for
   * forward mode ("tangent"), `{ value, grad, hvp }` for a Hessian-vector product ("hvp").
   */
  result?: "tangent" | "hvp";
  /** Yields the return value (primal) or the value followed by one adjoint per differentiated
   * parameter (gradient); forward mode then yields the tangent of the value ("tangent"), or the
   * tangent of each adjoint ("hvp"). */
  body: Region;
  loc: SourceLocation;
}
