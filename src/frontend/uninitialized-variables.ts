/**
 * Variables declared without a value (`let omega, cosom;`, `var t: number;`): the type is the
 * declared one or, for an untyped declaration (which TypeScript types `any` until assigned),
 * the one type of every value assigned to it. TypeScript itself reports a read before an
 * assignment on some path (TS2454, TS18048: AD1002).
 */
import { ts } from "ts-morph";
import type { Type } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { assignmentTarget } from "./syntax.js";

/** The IR type of a declared variable, inferred from its assignments when it has no type. */
export function variableType(cx: LoweringContext, name: ts.Identifier): Type {
  const declared = cx.checker.getTypeAtLocation(name);
  const declaration = name.parent;
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
      types.add(cx.irType(cx.checker.getTypeAtLocation(ts.isBinaryExpression(node) ? node.right : target)));
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
