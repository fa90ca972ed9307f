/**
 * Arrays of a fixed length returned from a branch: an array a branch builds with a literal and
 * afterwards only reads, or writes in place at indices known to lie inside it (constants, or
 * the counter of a counted loop running from 0 up to at most its length), still has the
 * literal's length when the branch ends (`const rgb = [0, 0, 0]; for (let i = 0; i < 3; i++)
 * rgb[i] = ...; return rgb;`). Its elements, read at the end of the branch, are then what an
 * array literal there would hold, so branch-arrays.ts chooses it element by element like one.
 * A write that may lie outside (which would make a JavaScript array longer) or any other use
 * leaves the array to the caller's refusal.
 */
import { isOp } from "../ir/attrs.js";
import type { Op, Region, Value } from "../ir/types.js";
import { definingOps } from "../ir/walk.js";
import type { LoweringContext } from "./context.js";

/** Uses that leave an array's length as it is, besides writes inside it. */
const lengthKeeping: ReadonlySet<string> = new Set(["array.get", "array.length", "object"]);

/**
 * An `array.literal` op at the end of `region` holding the elements `array` has there, when the
 * array keeps the length of the literal that built it in the region; undefined otherwise.
 */
export function fixedLengthLiteral(cx: LoweringContext, region: Region, array: Value): Op | undefined {
  const position = region.ops.findIndex((op) => op.results[0] === array);
  const built = region.ops[position];
  if (!built || !isOp(built, "array.literal")) return undefined;
  const length = built.operands.length;
  const constants = new Map([...definingOps(cx.body), ...definingOps(region)]);
  const constantOf = (value: Value | undefined) => {
    const op = value && constants.get(value);
    return op && isOp(op, "const") ? op.attrs.value : undefined;
  };
  const inside = (index: Value | undefined, loops: readonly Op[]): boolean => {
    const at = constantOf(index);
    if (at !== undefined) return Number.isInteger(at) && at >= 0 && at < length;
    const loop = loops.find((op) => op.regions[0]?.params[0] === index);
    if (!loop || !isOp(loop, "for")) return false;
    const [start, bound, step] = loop.operands.map(constantOf);
    if (start === undefined || bound === undefined || step === undefined) return false;
    const last = loop.attrs.comparison === "lt" ? bound - 1 : loop.attrs.comparison === "le" ? bound : undefined;
    return (
      Number.isInteger(start) &&
      Number.isInteger(step) &&
      start >= 0 &&
      step >= 1 &&
      last !== undefined &&
      last < length
    );
  };
  const keepsLength = (ops: readonly Op[], loops: readonly Op[]): boolean =>
    ops.every((op) => {
      const [target, index, stored] = op.operands;
      const uses = op.operands.includes(array);
      const writesInside = isOp(op, "array.set") && target === array && stored !== array && inside(index, loops);
      if (uses && !writesInside && !lengthKeeping.has(op.opcode)) return false;
      return op.regions.every((inner) => keepsLength(inner.ops, [...loops, op]));
    });
  if (!keepsLength(region.ops.slice(position + 1), [])) return undefined;
  const kind = built.attrs.kind ?? "Array";
  cx.builder.inRegion(region, () => {
    const elements = built.operands.map((_, k) =>
      cx.builder.emit("array.get", [array, cx.builder.constant(k)], "number"),
    );
    cx.builder.emit("array.literal", elements, "array", { kind });
  });
  return region.ops.at(-1);
}
