/**
 * Variables declared without a value (`let omega, cosom;`, `var t: number;`): the type is the
 * declared one or, for an untyped declaration (which TypeScript types `any` until assigned),
 * the one type of every value assigned to it. TypeScript itself reports a read before an
 * assignment on some path (TS2454, TS18048: AD1002). And the `var` counter of a `for` loop,
 * which the function may read after the loop.
 */
import { ts } from "ts-morph";
import type { Type } from "../ir/types.js";
import { isChosenArrayVariable } from "./array-constructors.js";
import { bundledReturnType } from "./bundled-modules.js";
import type { LoweringContext } from "./context.js";
import { assignmentTarget } from "./syntax.js";
import { nonNullResultType } from "./null-returns.js";

/** The IR type of a declared variable, inferred from its assignments when it has no type. */
export function variableType(cx: LoweringContext, name: ts.Identifier): Type {
  const declared = cx.checker.getTypeAtLocation(name);
  const declaration = name.parent;
  if (isChosenArrayVariable(cx, name)) return "array";
  const nonNull = nonNullResultType(cx, name);
  if (nonNull) return nonNull;
  const untyped =
    declared.flags & ts.TypeFlags.Any &&
    ts.isVariableDeclaration(declaration) &&
    !declaration.type &&
    !declaration.initializer;
  if (!untyped) return cx.typeOf(name, `'${name.text}'`);
  const symbol = cx.symbolOf(name);
  const types = new Set<Type | undefined>();
  const visit = (node: ts.Node): void => {
    const target = assignmentTarget(node);
    if (target && ts.isIdentifier(target) && cx.checker.getSymbolAtLocation(target) === symbol) {
      const assigned = ts.isBinaryExpression(node) ? node.right : target;
      types.add(bundledReturnType(cx, assigned) ?? cx.irType(cx.checker.getTypeAtLocation(assigned)));
    }
    ts.forEachChild(node, visit);
  };
  visit(cx.owner());
  const [only] = types;
  if (types.size !== 1 || only === undefined || only === "void") {
    return cx.fail(
      name,
      "AD1009",
      `'${name.text}' is declared without a type or a value, and the values assigned to it do not have one type the compiler supports`,
      `declare its type: let ${name.text}: number;`,
    );
  }
  return only;
}

/** True for `for (var i = ...)` whose counter the function reads outside the loop: the loop
 * carries it out as an ordinary variable instead of counting with it. */
export function varCounterReadAfter(cx: LoweringContext, loop: ts.ForStatement): boolean {
  const list = loop.initializer;
  if (!list || !ts.isVariableDeclarationList(list) || list.flags & ts.NodeFlags.BlockScoped) return false;
  const symbols = list.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [cx.symbolOf(d.name)] : []));
  let readOutside = false;
  const visit = (node: ts.Node): void => {
    if (node === loop) return;
    if (ts.isIdentifier(node) && symbols.includes(cx.checker.getSymbolAtLocation(node)!)) readOutside = true;
    ts.forEachChild(node, visit);
  };
  visit(cx.owner());
  return readOutside;
}
