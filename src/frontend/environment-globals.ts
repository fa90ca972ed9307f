/**
 * Objects of the environment that code tests for before using them (`console && console.warn`,
 * as a package that may run without a console writes), and calls of their methods. An object
 * the typings declare without `undefined` is there. Package JavaScript is checked without the
 * typings of the host (the DOM's, Node's): there, the objects every JavaScript host has (the
 * table below) are there too, and their methods are functions of the environment, called as
 * they are and not differentiated.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import type { ExternalReference } from "./derivatives.js";
import { isPackageFile } from "./library.js";

/** Objects every JavaScript host defines, whose typings a package's JavaScript may lack, with
 * the declaration a generated module calling them carries (it may be checked without them). */
const hostObjects: ReadonlyMap<string, string> = new Map([
  ["console", "declare const console: { [method: string]: (...data: unknown[]) => void };"],
]);

const possiblyAbsent =
  ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown;

/** The identifier a property chain starts from (`console` of `console.warn`). */
function rootOf(expression: ts.Expression): ts.Expression {
  let root = expression;
  while (ts.isPropertyAccessExpression(root)) root = root.expression;
  return root;
}

/** True for a host object of the table, named in package code that has no typings for it. */
function isUntypedHostObject(cx: LoweringContext, root: ts.Expression): boolean {
  return (
    ts.isIdentifier(root) &&
    hostObjects.has(root.text) &&
    cx.checker.getSymbolAtLocation(root) === undefined &&
    isPackageFile(root.getSourceFile().fileName)
  );
}

/** `true` for a condition that names an object or function of the environment; undefined for
 * other conditions. */
export function lowerEnvironmentPresence(cx: LoweringContext, condition: ts.Expression): Value | undefined {
  const root = rootOf(condition);
  if (!ts.isIdentifier(root)) return undefined;
  if (isUntypedHostObject(cx, root)) return cx.boolean(true);
  const symbol = cx.checker.getSymbolAtLocation(root);
  if (!symbol || symbol.flags & ts.SymbolFlags.Alias || cx.env.has(symbol) || cx.functions.has(symbol))
    return undefined;
  const declarations = symbol.declarations ?? [];
  if (declarations.length === 0 || !declarations.every((d) => d.getSourceFile().isDeclarationFile)) return undefined;
  const type = cx.checker.getTypeAtLocation(condition);
  const parts = type.isUnion() ? type.types : [type];
  const isObject = parts.every(
    (part) => (part.flags & ts.TypeFlags.Object) !== 0 && (part.flags & possiblyAbsent) === 0,
  );
  return isObject ? cx.boolean(true) : undefined;
}

/** True for a call of a method of a host object of the table in package code without its
 * typings (`console.warn(...)`). */
export function isUntypedHostCall(cx: LoweringContext, callee: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(callee) && isUntypedHostObject(cx, rootOf(callee));
}

/** What the generated module declares for such a call. */
export function hostReference(callee: ts.Expression): ExternalReference {
  const name = (rootOf(callee) as ts.Identifier).text;
  return { name, declaration: hostObjects.get(name)! };
}
