/**
 * Parameters of class members a call leaves out, as compiled JavaScript tests and sets them:
 * `constructor(x, y) { if (x === void 0) { x = 0; } ... }` (what TypeScript and Babel write for
 * `x = 0`). An omitted parameter is undefined: guards.ts decides `x === void 0` and
 * `x === undefined` on it at compile time, the branch assigning it is lowered, and reading it
 * before it is assigned is a diagnostic (it would be `undefined`, no number).
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";

/** The parameters left out by the calls being inlined, per compilation of a function. */
const omitted = new WeakMap<LoweringContext, Set<ts.Symbol>>();

/** Binds a parameter of an inlined member to its argument; one the call leaves out holds
 * undefined until the member assigns it. */
export function bindParameter(cx: LoweringContext, symbol: ts.Symbol, value: Value | undefined): void {
  let symbols = omitted.get(cx);
  if (!symbols) omitted.set(cx, (symbols = new Set()));
  if (value) {
    symbols.delete(symbol);
    cx.bind(symbol, value);
  } else {
    symbols.add(symbol);
    cx.env.delete(symbol);
  }
}

/** Whether the call being inlined left this parameter out: what it holds, the member gave it
 * (a new object it writes is no object of the caller's). */
export function wasOmitted(cx: LoweringContext, symbol: ts.Symbol): boolean {
  return omitted.get(cx)?.has(symbol) === true;
}

/** Whether a variable is a parameter left out that nothing has assigned yet. */
export function isOmittedParameter(cx: LoweringContext, symbol: ts.Symbol | undefined): boolean {
  return symbol !== undefined && !cx.env.has(symbol) && wasOmitted(cx, symbol);
}

/** Rejects reading a parameter left out before the member assigns it. */
export function rejectOmittedRead(cx: LoweringContext, identifier: ts.Identifier, symbol: ts.Symbol | undefined): void {
  if (!isOmittedParameter(cx, symbol)) return;
  // A name destructured from a field the object lacks (see undefined-values.ts).
  if (symbol!.valueDeclaration && ts.isBindingElement(symbol!.valueDeclaration)) {
    cx.fail(
      identifier,
      "AD1004",
      `'${identifier.text}' is read here while it is undefined: the object it is destructured from has no field '${identifier.text}'`,
      `give the object the field, or test it first: ${identifier.text} === undefined ? ... : ${identifier.text}`,
    );
  }
  cx.fail(
    identifier,
    "AD1004",
    `'${identifier.text}' is a parameter the inlined call leaves out, read here while it is undefined`,
    `pass it, or give it a default value (${identifier.text} = ...)`,
  );
}

/** Rejects a parameter left out that one branch assigns and the other does not, or that a
 * loop assigns (it may run no time): after it, whether the parameter is still undefined is
 * known only when the code runs. */
export function rejectOmittedAssignedIn(
  cx: LoweringContext,
  node: ts.Node,
  symbol: ts.Symbol,
  where: "one branch only" | "a loop",
): void {
  if (!wasOmitted(cx, symbol)) return;
  cx.fail(
    node,
    "AD1004",
    `'${symbol.name}' is a parameter the inlined call leaves out, assigned here in ${where}: whether it is still undefined after it is known only when the code runs`,
    `assign it before the ${where === "a loop" ? "loop" : "branch"}, or pass it`,
  );
}
