/**
 * Tables a package fills by registration calls when it loads (culori's `converters`, which
 * `useMode(...)` fills for every mode its index registers): which writes into such a table are
 * the load's own, a key read from a field holding a known string (`converters[color.mode]`), and
 * the test of an entry (`converters[a][b] ? converters[a][b](c) : ...`) decided from the
 * load-time heap.
 *
 * A write inside a registration function is the load's own when the load calls that function and
 * nothing can call it after the load: every use of its name is at the top level of a module the
 * load ran, as a call or an import of it (or a package's export of it, whose users are the
 * project files the compiler reads). A project's exported function may be called by any file. A use
 * inside any function, or anywhere in a file of the project the load did not run (the user's
 * own `useMode(custom)`), may register more later, so the table stays refused there
 * (run-time-writes.ts). Uses are found by name, which errs on the side of refusing.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { isPackageFile } from "./library.js";
import { fieldsOf } from "./objects.js";
import { knownString } from "./string-values.js";
import { HeapObject, Unknown } from "./load-time/heap.js";
import { interpreterFor } from "./load-time/loader.js";
import { loadTimeValue } from "./load-time/lookup.js";

/** Array methods that call their callback before they return, within the calling function. */
const immediateCallbacks = new Set(["forEach", "map", "filter", "some", "every", "find", "reduce"]);

/** True for a write in a registration function that only the load calls (see above). */
export function isLoadRegistration(
  cx: LoweringContext,
  write: ts.Node,
  projectFiles: readonly ts.SourceFile[],
): boolean {
  let fn = enclosingFunction(write);
  while (fn && isImmediateCallback(fn)) fn = enclosingFunction(fn.parent);
  const name = fn && moduleLevelName(fn);
  if (!fn || !name) return false;
  // A project's exported function may be called by files the compiler does not see.
  if (!isPackageFile(fn.getSourceFile().fileName) && isExported(name)) return false;
  const loaded = new Set<ts.SourceFile>();
  for (const record of interpreterFor(cx.checker).modules.values())
    if (record.state === "loaded" && record.source.inProgram) loaded.add(record.source.file);
  let calledAtLoad = false;
  for (const file of new Set([...loaded, ...projectFiles])) {
    const uses = usesOf(file, localNames(file, name.text), loaded.has(file));
    if (uses.has("after load")) return false;
    calledAtLoad ||= uses.has("load call");
  }
  return calledAtLoad;
}

/** A lookup key a field of a known object holds as a known string (`color.mode`). */
export function knownFieldKey(cx: LoweringContext, expression: ts.Expression): string | undefined {
  const node = skipParentheses(expression);
  if (!ts.isPropertyAccessExpression(node)) return undefined;
  const object = knownObject(cx, node.expression);
  const value = object && fieldsOf(cx, object).get(node.name.text);
  return value && knownString(value);
}

/** Whether a table entry the load built is truthy; undefined for what the heap does not hold. */
export function knownTableEntry(cx: LoweringContext, expression: ts.ElementAccessExpression): boolean | undefined {
  const found = loadTimeValue(cx, expression);
  if (!found || !("value" in found)) return undefined;
  const value = found.value;
  if (value instanceof Unknown) return undefined;
  return value instanceof HeapObject ? true : Boolean(value);
}

function knownObject(cx: LoweringContext, expression: ts.Expression): Value | undefined {
  const node = skipParentheses(expression);
  if (ts.isIdentifier(node)) {
    const symbol = cx.checker.getSymbolAtLocation(node);
    const value = symbol && cx.env.get(symbol);
    return value && "type" in value && value.type === "object" ? value : undefined;
  }
  if (!ts.isPropertyAccessExpression(node)) return undefined;
  const outer = knownObject(cx, node.expression);
  const inner = outer && fieldsOf(cx, outer).get(node.name.text);
  return inner?.type === "object" ? inner : undefined;
}

/**
 * How a file uses `names`: a call at the top level of a module the load ran ("load call"), an
 * import or export ("named"), or a use that may run after the load ("after load": in a
 * function, in a file the load did not run, or passing the function on as a value, under a
 * name not followed).
 */
function usesOf(file: ts.SourceFile, names: ReadonlySet<string>, ranAtLoad: boolean): Set<string> {
  const uses = new Set<string>();
  const isPackage = isPackageFile(file.fileName);
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (ts.isIdentifier(node) && names.has(node.text) && !isDeclarationName(node)) {
      const parent = node.parent;
      if (inFunction || !ranAtLoad) uses.add("after load");
      else if (isCallee(node)) uses.add("load call");
      else if (ts.isImportSpecifier(parent) || (ts.isExportSpecifier(parent) && isPackage)) uses.add("named");
      else uses.add("after load");
    }
    ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(node)));
  };
  visit(file, false);
  return uses;
}

function isCallee(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  const member = ts.isPropertyAccessExpression(parent) && parent.name === identifier ? parent : identifier;
  return ts.isCallExpression(member.parent) && member.parent.expression === member;
}

/** The name a function or variable is declared under, which is no use of it. */
function isDeclarationName(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  return (ts.isVariableDeclaration(parent) || ts.isFunctionDeclaration(parent)) && parent.name === identifier;
}

function isExported(name: ts.Identifier): boolean {
  const declaration = ts.isFunctionDeclaration(name.parent) ? name.parent : name.parent.parent.parent;
  return (
    ts.canHaveModifiers(declaration) &&
    (ts.getModifiers(declaration)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false)
  );
}

/** The name and the names a file imports it under (`import { useMode as register }`). */
function localNames(file: ts.SourceFile, name: string): Set<string> {
  const names = new Set([name]);
  const visit = (node: ts.Node): void => {
    if ((ts.isImportSpecifier(node) || ts.isExportSpecifier(node)) && (node.propertyName ?? node.name).text === name)
      names.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (ts.isFunctionLike(n)) return n;
  return undefined;
}

/** `keys.forEach((k) => ...)`: a callback an array method runs before returning. */
function isImmediateCallback(fn: ts.SignatureDeclaration): boolean {
  const call = fn.parent;
  return (
    ts.isCallExpression(call) &&
    call.arguments.includes(fn as ts.Expression) &&
    ts.isPropertyAccessExpression(call.expression) &&
    immediateCallbacks.has(call.expression.name.text)
  );
}

/** The name of a function declared at a module's top level (`const useMode = (d) => ...`). */
function moduleLevelName(fn: ts.SignatureDeclaration): ts.Identifier | undefined {
  if (ts.isFunctionDeclaration(fn)) return ts.isSourceFile(fn.parent) ? fn.name : undefined;
  const declaration = fn.parent;
  if (!ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return undefined;
  const statement = declaration.parent.parent;
  return ts.isVariableStatement(statement) && ts.isSourceFile(statement.parent) ? declaration.name : undefined;
}

function skipParentheses(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node))
    node = node.expression;
  return node;
}
