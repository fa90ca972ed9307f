/**
 * The attributes each opcode takes, as types, and accessors that read them typed.
 *
 * An op's attrs stay a plain record (`Op.attrs`) that any pass may copy and extend; the types
 * here say what the passes that build each op put there, so that a pass reading them needs no
 * cast. The verifier checks the attrs an op cannot do without (`ops.ts`); reading an attr of the
 * wrong op is a pass's bug, which `attrsOf` reports.
 */
import type { PrimitiveName } from "../rules/primitives.js";
import type { StructuralOpcode } from "./ops.js";
import type { ArrayKind, AttrValue, Op, Opcode } from "./types.js";

/** `recomputed`: the reverse sweep computes the op again instead of storing its result. */
type Recomputable = { recomputed?: boolean };

/** Every structural opcode's attrs: a type error when one is missing or unknown, or an attr is no `AttrValue`. */
type EachStructuralOp<T extends Record<StructuralOpcode, Record<string, AttrValue>>> = T &
  Record<Exclude<keyof T, StructuralOpcode>, never>;

/** No attrs. */
type None = Record<never, never>;

type StructuralAttrs = EachStructuralOp<{
  const: { value: number; text?: string; definedAs?: string };
  string: { value: string };
  bool: { value: boolean };
  stop: None;
  undef: None;
  if: None;
  call: {
    callee: string;
    method?: boolean;
    /** The call converts a value to a string (`String(x)`, `x.toFixed(2)`). */
    stringifies?: boolean;
    /** `throw new <callee>(...operands)`: the call constructs the error and throws it. */
    throws?: boolean;
    derivative?: string;
    derivativeKind?: "vjp" | "grad";
    partials?: readonly string[];
    /** The callee writes into its array operands (a specialised copy: see package-recursion.ts). */
    writesArrays?: boolean;
  };
  template: { quasis: readonly string[] };
  for: { comparison: "lt" | "le" | "gt" | "ge" };
  while: None;
  object: { fields: readonly string[] };
  field: { path: string };
  "array.get": Recomputable & { field?: string };
  "array.row": Recomputable;
  "array.zerosLike": { rows?: ArrayKind; fields?: readonly string[] };
  "array.length": Recomputable;
  "array.new": { kind: ArrayKind };
  "array.literal": { kind?: ArrayKind };
  "array.copy": { kind: ArrayKind };
  "array.set": { grows?: boolean; push?: boolean };
  "array.addAll": { upToShorter?: boolean };
  "array.zeros": { kind: ArrayKind; output?: string };
  "array.add": { field?: string };
  "stack.new": { element: "number" | "boolean" | "array" };
  "stack.push": None;
  "stack.pop": None;
  "cell.new": None;
  "cell.add": None;
  "cell.set": None;
  "cell.read": None;
}>;

/** The attrs of each opcode. */
export type OpAttrs = StructuralAttrs & Record<PrimitiveName, Recomputable>;

/** An op whose opcode is `K`, with the attrs `K` takes. */
export type OpOf<K extends Opcode> = Op & { opcode: K; attrs: OpAttrs[K] };

/** True when `op` is a `K` op; narrows it, its attrs included. */
export function isOp<K extends Opcode>(op: Op, opcode: K): op is OpOf<K> {
  return op.opcode === opcode;
}

/** The attrs of `op`, which a pass knows to be a `K` op (an error when it is not). */
export function attrsOf<K extends Opcode>(op: Op, opcode: K): OpAttrs[K] {
  if (!isOp(op, opcode)) throw new Error(`the attrs of '${opcode}' were asked of a '${op.opcode}' op`);
  return op.attrs;
}
