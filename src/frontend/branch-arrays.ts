/**
 * Arrays returned from both branches of an `if` (`if (c) return [x, 2 * x]; return [x * x, 1];`),
 * alone or as fields of returned objects. Arrays never cross regions (see src/ir/types.ts), so
 * this is accepted when each branch's array is an array literal of its own region that nothing
 * uses after it is built but element reads: then the `if` chooses element by element and the
 * array is built again after it. Anything else goes to the caller's rejection.
 */
import { zip } from "../ir/access.js";
import { isOp } from "../ir/attrs.js";
import { ts } from "ts-morph";
import type { AttrValue, Op, Region, Type, Value } from "../ir/types.js";
import { someOp } from "../ir/walk.js";
import type { LoweringContext } from "./context.js";
import type { Slot } from "./control-flow.js";
import { fixedLengthLiteral } from "./fixed-length-arrays.js";
import { fieldsOf, makeObject } from "./objects.js";

/**
 * An array variable each branch assigns an array literal of one length (`if (c) w = [1, 1];
 * else w = [-1, 0];`): its slot becomes one slot per element, and `rebuild` builds the array
 * after the `if`. Undefined when no slot is an array; the slots as they are when an array
 * does not qualify (the caller refuses them).
 */
export function splitLiteralArrays(
  cx: LoweringContext,
  regions: [Region, Region],
  slots: { slot: Slot; type: Type }[],
  envs: [Map<ts.Symbol, Value>, Map<ts.Symbol, Value>],
): { slots: { slot: Slot; type: Type }[]; rebuild: () => void } | undefined {
  if (!slots.some(({ type }) => type === "array")) return undefined;
  const rebuilt: { symbol: ts.Symbol; elements: ts.Symbol[]; kind: AttrValue; literals: Op[] }[] = [];
  const split: { slot: Slot; type: Type }[] = [];
  for (const entry of slots) {
    const { slot, type } = entry;
    const values = envs.map((env) => env.get(slot.symbol));
    const literals = zip(regions, values).map(([region, value], k) =>
      type === "array" && slot.path === undefined && value && heldOnce(cx, envs[k]!, value)
        ? literalOf(region, value)
        : undefined,
    );
    const [x, y] = literals;
    if (!x || !y || x.operands.length !== y.operands.length || x.attrs.kind !== y.attrs.kind) {
      split.push(entry);
      continue;
    }
    const elements = x.operands.map((_, k) => cx.synthetic(`${slot.symbol.name}${k}`));
    for (const [k, env] of envs.entries()) {
      const literal = literals[k]!;
      elements.forEach((element, position) => env.set(element, literal.operands[position]!));
    }
    split.push(...elements.map((symbol) => ({ slot: { symbol }, type: "number" as const })));
    rebuilt.push({ symbol: slot.symbol, elements, kind: x.attrs.kind ?? "Array", literals: [x, y] });
  }
  const rebuild = () => {
    for (const { symbol, elements, kind, literals } of rebuilt) {
      const array = cx.builder.emit(
        "array.literal",
        elements.map((element) => cx.env.get(element)!),
        "array",
        { kind },
      );
      cx.bind(symbol, array);
      // The elements' variables end here: an enclosing branch carries the array.
      for (const element of elements) cx.env.delete(element);
      literals.forEach((literal, k) => dropIfUnread(regions[k]!, literal));
    }
  };
  return { slots: split, rebuild };
}

/** True when no variable but one holds `array` (`other = w` would make two names of it, which
 * separate arrays after the `if` would not be). */
function heldOnce(cx: LoweringContext, env: Map<ts.Symbol, Value>, array: Value): boolean {
  let holders = 0;
  for (const value of env.values()) {
    if (value === array) holders++;
    else if (value.type === "object" && [...fieldsOf(cx, value).values()].includes(array)) holders++;
  }
  return holders === 1;
}

/** Uses of an array that leave its elements as the literal built them (an `object` op only
 * names its leaves). */
const readingOpcodes: ReadonlySet<string> = new Set(["array.get", "array.length", "object"]);

/**
 * The chosen value, when the branches return arrays (or objects with array fields) built by
 * literals as described above; undefined when no array is chosen or the arrays do not qualify.
 */
export function chooseLiteralArrays(
  cx: LoweringContext,
  condition: Value,
  regions: [Region, Region],
  values: [Value, Value],
): Value | undefined {
  const [first, second] = values;
  if (first.type !== second.type || (first.type !== "array" && first.type !== "object")) return undefined;
  const paths = first.type === "object" ? [...fieldsOf(cx, first).keys()] : [undefined];
  if (second.type === "object" && fieldsOf(cx, second).size !== paths.length) return undefined;
  const leafOf = (value: Value, path: string | undefined) =>
    path === undefined ? value : fieldsOf(cx, value).get(path);
  const leaves = paths.map((path) => [leafOf(first, path), leafOf(second, path)] as const);
  if (!leaves.some(([leaf]) => leaf?.type === "array")) return undefined;
  // Per leaf, the literal building it in each branch (undefined for a number or boolean leaf).
  const literals: (readonly [Op, Op] | undefined)[] = [];
  for (const pair of leaves) {
    const [a, b] = pair;
    if (!a || !b || a.type !== b.type) return undefined;
    if (a.type !== "array") {
      literals.push(undefined);
      continue;
    }
    const x = literalOf(regions[0], a) ?? fixedLengthLiteral(cx, regions[0], a);
    const y = literalOf(regions[1], b) ?? fixedLengthLiteral(cx, regions[1], b);
    if (!x || !y || x.operands.length !== y.operands.length || x.attrs.kind !== y.attrs.kind) return undefined;
    literals.push([x, y]);
  }
  for (const [k, region] of regions.entries()) {
    region.yields = leaves.flatMap((pair, leaf) => literals[leaf]?.[k]!.operands ?? [pair[k]!]);
    for (const literal of literals) if (literal) dropIfUnread(region, literal[k]!);
  }
  const results = cx.builder.op({
    opcode: "if",
    operands: [condition],
    regions,
    results: regions[0].yields.map((leaf) => ({ type: leaf.type })),
  }).results;
  let next = 0;
  const chosen = literals.map((literal) => {
    const count = literal ? literal[0].operands.length : 1;
    const taken = results.slice(next, next + count);
    next += count;
    if (!literal) return taken[0]!;
    return cx.builder.emit("array.literal", taken, "array", { kind: literal[0].attrs.kind ?? "Array" });
  });
  if (first.type === "array") return chosen[0];
  return makeObject(cx, new Map(zip(paths as string[], chosen)));
}

/**
 * Removes a literal the `if` now builds after it, with the unread `object` ops naming it (the
 * returned object, which is built again after the `if` too), when nothing else reads it.
 */
function dropIfUnread(region: Region, literal: Op): void {
  const array = literal.results[0]!;
  const namers = region.ops.filter((op) => isOp(op, "object") && op.operands.includes(array));
  const unread = (value: Value) =>
    !someOp(region.ops, (op) => op.operands.includes(value)) && !region.yields.includes(value);
  if (!namers.every((op) => unread(op.results[0]!))) return;
  const dropped = new Set([literal, ...namers]);
  if (someOp(region.ops, (op) => !dropped.has(op) && op.operands.includes(array))) return;
  region.ops = region.ops.filter((op) => !dropped.has(op));
}

/** The `array.literal` op of `region` that builds `array`, when nothing after it but element
 * reads uses the array; undefined otherwise. */
function literalOf(region: Region, array: Value): Op | undefined {
  const position = region.ops.findIndex((op) => op.results[0] === array);
  const op = region.ops[position];
  if (!op || !isOp(op, "array.literal")) return undefined;
  const writes = someOp(
    region.ops.slice(position + 1),
    (later) => later.operands.includes(array) && !readingOpcodes.has(later.opcode),
  );
  return writes ? undefined : op;
}
