/**
 * Whether two arrays are the same array (`a === out`, `a !== out`), as libraries with
 * out-parameters test before copying (gl-matrix's `if (a !== out) { out[0] = a[0]; ... }`). Arrays
 * are references, and a variable holds the value of the array it names, so the same value is the
 * same array, and an array this function allocated is no other array. Other pairs (two
 * parameters, which the caller may pass twice) are known only when the code runs: refused.
 */
import { ts } from "ts-morph";
import { walk } from "../ir/walk.js";
import type { Region, Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { skipParentheses } from "./syntax.js";

/** Ops whose result is a new array. */
const allocations = new Set(["array.new", "array.literal", "array.copy"]);

/** The array an identifier names, without emitting IR; undefined for other expressions. */
function arrayNamed(cx: LoweringContext, expression: ts.Expression): Value | undefined {
  const node = skipParentheses(expression);
  if (!ts.isIdentifier(node)) return undefined;
  const symbol = cx.checker.getSymbolAtLocation(node);
  const value = symbol && cx.env.get(symbol);
  return value?.type === "array" ? value : undefined;
}

function isAllocatedIn(regions: readonly Region[], value: Value): boolean {
  let allocated = false;
  for (const region of regions) {
    walk(region, {
      enterOp: (op) => {
        if (op.results[0] === value && allocations.has(op.opcode)) allocated = true;
      },
    });
  }
  return allocated;
}

/** `a === b` of two arrays: whether it holds (`equal` false for `!==`); undefined when the
 * operands are not both arrays. */
export function knownArrayIdentity(
  cx: LoweringContext,
  expression: ts.BinaryExpression,
  equal: boolean,
): boolean | undefined {
  const [left, right] = [arrayNamed(cx, expression.left), arrayNamed(cx, expression.right)];
  if (!left || !right) return undefined;
  if (left === right) return equal;
  const regions = [cx.body, cx.builder.region];
  if (isAllocatedIn(regions, left) || isAllocatedIn(regions, right)) return !equal;
  return cx.fail(
    expression,
    "AD1004",
    "whether these two arrays are the same array is known only when the code runs",
    "pass an array the function creates (a new Float64Array) as the out-parameter, or separate arrays the function does not compare",
  );
}
