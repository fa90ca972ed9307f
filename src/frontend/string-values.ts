/**
 * Strings known at compile time, and the tests decided on them and on undefined. A string
 * literal is a `string` op whose text the lowering remembers, wherever the value flows
 * (variables, fields such as culori's `mode: "rgb"`, parameters of inlined functions); a
 * comparison of two such strings (`color.mode === target_mode`) is a boolean constant, so an
 * `if` or a ternary on it lowers only the branch taken, and a string's truthiness is known.
 * `e === undefined` on an expression whose value is an object, array, string or boolean
 * (`(color = prepare(color)) !== undefined`) is decided too: none of those is undefined. An
 * object indexed with such a string (`color[channel]`) is its field.
 */
import { ts } from "ts-morph";
import type { PrimitiveName } from "../rules/primitives.js";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { field } from "./objects.js";
import { equalities } from "./guards.js";
import { skipParentheses } from "./syntax.js";

/** The text of every string value made from a literal. */
const texts = new WeakMap<Value, string>();

/** A string literal's value. */
export function stringConstant(cx: LoweringContext, text: string): Value {
  const value = cx.builder.emit("string", [], "string", { value: text });
  texts.set(value, text);
  return value;
}

/** The text of a string known at compile time; undefined for other values. */
export function knownString(value: Value): string | undefined {
  return texts.get(value);
}

const stringComparisons: Partial<Record<PrimitiveName, (a: string, b: string) => boolean>> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

/** `a === b` of two strings known at compile time: the boolean; undefined otherwise. */
export function foldStringComparison(
  cx: LoweringContext,
  opcode: PrimitiveName,
  left: Value,
  right: Value,
): Value | undefined {
  const compare = stringComparisons[opcode];
  const [a, b] = [knownString(left), knownString(right)];
  if (!compare || a === undefined || b === undefined) return undefined;
  return cx.boolean(compare(a, b));
}

/** Whether a string known at compile time is truthy (not empty); undefined for other values. */
export function knownStringTruthiness(value: Value): boolean | undefined {
  const text = knownString(value);
  return text === undefined ? undefined : text !== "";
}

/** Types of values that are never undefined. */
const definedTypes: ReadonlySet<Value["type"]> = new Set(["object", "array", "string", "boolean"]);

const isUndefinedLiteral = (node: ts.Expression) => {
  const e = skipParentheses(node);
  return (
    (ts.isIdentifier(e) && e.text === "undefined") || (ts.isVoidExpression(e) && ts.isLiteralExpression(e.expression))
  );
};

/**
 * `e === undefined`, `e !== undefined` (either way round): `e` is lowered, for its effects and
 * value, and the test is a boolean constant when the value is an object, an array, a string or
 * a boolean; undefined when the expression is no such test or the value is a number (which
 * untyped JavaScript may leave undefined).
 */
export function lowerDefinedTest(cx: LoweringContext, expression: ts.BinaryExpression): Value | undefined {
  const equal = equalities.get(expression.operatorToken.kind);
  if (equal === undefined) return undefined;
  const tested = isUndefinedLiteral(expression.right)
    ? expression.left
    : isUndefinedLiteral(expression.left)
      ? expression.right
      : undefined;
  if (!tested || isUndefinedLiteral(tested)) return undefined;
  const probe = skipParentheses(tested);
  // Numbers, and names and fields guards.ts decides without lowering them, are left as they are.
  if (!ts.isBinaryExpression(probe) && !ts.isCallExpression(probe)) return undefined;
  const value = lowerExpression(cx, tested);
  if (!definedTypes.has(value.type)) {
    return cx.fail(
      tested,
      "AD1004",
      `whether this ${value.type} is undefined is known only when the code runs`,
      "give the value a default where it is created, or test for the special case before the call",
    );
  }
  return cx.boolean(!equal);
}

/**
 * `color[channel]` on an object, where the key is a string known at compile time (culori's
 * `ConvStd[k]` for each channel name): the field of that name. A key known only when the code
 * runs would pick the field when it runs: AD1004.
 */
export function lowerKeyedField(cx: LoweringContext, expression: ts.ElementAccessExpression, object: Value): Value {
  const key = knownString(lowerExpression(cx, expression.argumentExpression));
  if (key === undefined) {
    return cx.fail(
      expression.argumentExpression,
      "AD1004",
      "an object is indexed here with a key known only when the code runs, which would pick the field when it runs",
      "read the fields by name (color.r), or index with a string literal",
    );
  }
  return field(cx, object, key, expression);
}
