/**
 * Reading the load-time heap from the code being lowered: the value an expression of the user's
 * code or of package code names (`convert.rgb.hsv.raw`, `conversions[from][to]`, a variable a
 * closure captured when the package loaded), as the modules' load left it; and a function found
 * there as a FunctionValue the frontend inlines like any closure.
 *
 * An expression is resolved from its root: a variable captured by a heap function being inlined
 * (its scope binds it), an import (the exporting module's export), or a module-level variable
 * of a file (its module's scope); then each property read, with keys known at compile time.
 * Modules load once per program (loader.ts); before a lookup, the packages the function's file
 * imports are loaded in their order, so a table filled by another module's load (a package's
 * index registering its modes) is read as the package's users see it.
 *
 * A function's captured variables that hold functions, numbers, booleans or strings become
 * compile-time values of the FunctionValue (bound when it is called, and refused if it assigns
 * them: such state lives between calls); captured objects stay in the heap, read through this
 * module by the property reads that name them.
 */
import { ts } from "ts-morph";
import { isOp } from "../../ir/attrs.js";
import type { Value } from "../../ir/types.js";
import { definingOps } from "../../ir/walk.js";
import type { LoweringContext } from "../context.js";
import { type Bound, callFunctionValue, FunctionValue, lowerArguments } from "../functions.js";
import { locate } from "../program.js";
import { type HeapValue, HeapFunction, HeapObject, readBinding, type Scope } from "./heap.js";
import type { ModuleRecord } from "./interpreter.js";
import { interpreterFor, programModule } from "./loader.js";
import { runTimeWrite } from "./run-time-writes.js";
import { stringConstant } from "../string-values.js";
import { assignmentTarget, skipWrappers } from "../syntax.js";
import { knownFieldKey } from "../registered-tables.js";

/** What an expression names in the heap: a value, the module whose load stopped before it
 * could be read, or the write a function makes into the table later (see run-time-writes.ts);
 * undefined for an expression the heap does not hold. */
export type LoadTimeLookup = { value: HeapValue } | { stopped: ModuleRecord } | { writtenAt: ts.Node } | undefined;

/** The scope each FunctionValue made from a heap function closes over. */
const heapScopes = new WeakMap<FunctionValue, Scope>();

/** The function a callee names in the heap, as a FunctionValue; undefined when it names none. */
export function loadTimeFunction(cx: LoweringContext, expression: ts.Expression): FunctionValue | undefined {
  const found = loadTimeValue(cx, expression);
  if (!found) return undefined;
  if ("stopped" in found) return rejectStoppedLoad(cx, expression, found.stopped);
  if ("writtenAt" in found) return rejectRunTimeWrite(cx, expression, found.writtenAt);
  return found.value instanceof HeapFunction ? heapFunctionValue(cx, found.value, expression) : undefined;
}

/** A call of a function of the heap, inlined; undefined when the callee names none. */
export function lowerLoadTimeCall(
  cx: LoweringContext,
  call: ts.CallExpression,
): { result: Value | undefined } | undefined {
  const target = loadTimeFunction(cx, call.expression);
  if (!target) return undefined;
  return { result: callFunctionValue(cx, call, target, lowerArguments(cx, call.arguments)) };
}

/**
 * True for a function of the heap inlined inside another instance of the same function, made
 * by another call at load time (`link(a, link(b, c))` calls the closure of `link` twice, each
 * with its own captured functions): no recursion, since the heap holds finitely many of them.
 */
export function isOtherLoadTimeInstance(cx: LoweringContext, target: FunctionValue): boolean {
  const scope = heapScopes.get(target);
  return (
    scope !== undefined &&
    !cx.calledFunctions.some((called) => called.node === target.node && heapScopes.get(called) === scope)
  );
}

/** What `expression` names in the heap (see LoadTimeLookup). */
export function loadTimeValue(cx: LoweringContext, expression: ts.Expression): LoadTimeLookup {
  const node = skipWrappers(expression);
  if (ts.isIdentifier(node)) return rootValue(cx, node);
  if (!ts.isPropertyAccessExpression(node) && !ts.isElementAccessExpression(node)) return undefined;
  const key = ts.isPropertyAccessExpression(node) ? node.name.text : compileTimeKey(cx, node.argumentExpression);
  if (key === undefined) return undefined;
  const base = loadTimeValue(cx, node.expression);
  if (!base || !("value" in base)) return base;
  return base.value instanceof HeapObject ? { value: base.value.get(key) } : undefined;
}

/**
 * A property key known at compile time: a literal, or a variable holding a string or number
 * constant (a parameter bound to `"rgb"` by the call being inlined); undefined otherwise.
 */
export function compileTimeKey(cx: LoweringContext, expression: ts.Expression): string | undefined {
  const node = skipWrappers(expression);
  if (ts.isStringLiteral(node) || ts.isNumericLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    return ts.isNumericLiteral(node) ? String(Number(node.text)) : node.text;
  const symbol = ts.isIdentifier(node) ? cx.checker.getSymbolAtLocation(node) : undefined;
  const value = symbol && cx.env.get(symbol);
  const op = value && (cx.definingOp(value) ?? definingOps(cx.body).get(value));
  if (op && isOp(op, "string")) return op.attrs.value;
  if (op && isOp(op, "const")) return String(op.attrs.value);
  return knownFieldKey(cx, node);
}

function rootValue(cx: LoweringContext, identifier: ts.Identifier): LoadTimeLookup {
  const symbol = cx.checker.getSymbolAtLocation(identifier);
  const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
  // Free in a heap function being inlined: what its scope binds (a local of it is no heap value).
  for (const called of [...cx.calledFunctions].reverse()) {
    const scope = heapScopes.get(called);
    if (!scope || !encloses(called.node, identifier)) continue;
    if (declaration && encloses(called.node, declaration)) return undefined;
    const binding = scope.lookup(identifier.text);
    return binding ? { value: readBinding(binding) } : undefined;
  }
  if (!symbol || !declaration) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) return importedValue(cx, symbol, declaration);
  if (!isModuleLevel(declaration)) return undefined;
  const source = programModule(cx.checker, declaration.getSourceFile());
  if (!source || source.file !== declaration.getSourceFile()) return undefined;
  const record = loadModule(cx, source);
  if (record.state !== "loaded") return { stopped: record };
  const binding = record.scope.bindings.get(identifier.text);
  if (!binding) return undefined;
  return afterRunTimeWrites(readBinding(binding), runTimeWrite(cx, source.file, new Set([symbol])));
}

/**
 * A root the load built, unless a function writes it later: then a table's lookup is refused;
 * a function's properties are left to function-properties.ts and its diagnostics.
 */
function afterRunTimeWrites(value: HeapValue, write: ts.Node | undefined): LoadTimeLookup {
  if (!write) return { value };
  return value instanceof HeapFunction ? undefined : { writtenAt: write };
}

/** What an import names: the export of the module it imports, loaded. */
function importedValue(cx: LoweringContext, symbol: ts.Symbol, declaration: ts.Declaration): LoadTimeLookup {
  let node: ts.Node = declaration;
  while (!ts.isImportDeclaration(node) && !ts.isSourceFile(node)) node = node.parent;
  if (!ts.isImportDeclaration(node)) return undefined;
  const moduleFile = cx.checker.getSymbolAtLocation(node.moduleSpecifier)?.valueDeclaration;
  const source = moduleFile && ts.isSourceFile(moduleFile) ? programModule(cx.checker, moduleFile) : undefined;
  if (!source) return undefined;
  const record = loadModule(cx, source);
  if (record.state !== "loaded") return { stopped: record };
  if (ts.isNamespaceImport(declaration)) return { value: record.namespace() };
  const name = ts.isImportClause(declaration)
    ? "default"
    : ts.isImportSpecifier(declaration)
      ? (declaration.propertyName ?? declaration.name).text
      : undefined;
  if (name === undefined) return undefined;
  const names = new Set([symbol, cx.checker.getAliasedSymbol(symbol)]);
  const local = exportedSymbol(cx.checker, source.file, name);
  if (local) names.add(local);
  return afterRunTimeWrites(record.exported(name), runTimeWrite(cx, source.file, names));
}

/** The variable a module exports under `name`, as the checker sees the module. */
function exportedSymbol(checker: ts.TypeChecker, file: ts.SourceFile, name: string): ts.Symbol | undefined {
  const module = checker.getSymbolAtLocation(file);
  const exported = module && checker.getExportsOfModule(module).find((s) => s.name === name);
  return exported && exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
}

/** Loads a module, after the packages the differentiated function's file imports. */
function loadModule(cx: LoweringContext, source: { file: ts.SourceFile; inProgram: boolean }): ModuleRecord {
  const interpreter = interpreterFor(cx.checker);
  for (const statement of cx.fn.node.getSourceFile().statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (statement.moduleSpecifier.text.startsWith(".") || statement.importClause?.isTypeOnly) continue;
    const moduleFile = cx.checker.getSymbolAtLocation(statement.moduleSpecifier)?.valueDeclaration;
    const imported = moduleFile && ts.isSourceFile(moduleFile) ? programModule(cx.checker, moduleFile) : undefined;
    if (imported) interpreter.load(imported);
  }
  return interpreter.load(source);
}

/** A heap function as a FunctionValue, with what it captured (see the file's comment). */
function heapFunctionValue(cx: LoweringContext, fn: HeapFunction, use: ts.Node): FunctionValue {
  const made = new Map<HeapFunction, FunctionValue>();
  const convert = (heap: HeapFunction): FunctionValue => {
    const known = made.get(heap);
    if (known) return known;
    if (!heap.inProgram) {
      cx.fail(
        use,
        "AD1004",
        `'${skipWrappers(use as ts.Expression).getText(cx.sourceFile)}' is a function the package makes when it loads in a file the compiler does not read (${heap.node.getSourceFile().fileName})`,
        "call a function of the package's own files, or compute the value outside and pass it in",
      );
    }
    const captured = new Map<ts.Symbol, Bound>();
    const value = new FunctionValue(heap.node, captured);
    made.set(heap, value);
    heapScopes.set(value, heap.scope);
    for (const identifier of freeIdentifiers(cx, heap.node)) {
      const binding = capturedBinding(heap.scope, identifier.text);
      const symbol = binding && cx.checker.getSymbolAtLocation(identifier);
      if (!binding || !symbol || captured.has(symbol)) continue;
      rejectAssignedLater(cx, identifier, symbol);
      const bound = compileTimeValue(cx, readBinding(binding), convert);
      if (bound) captured.set(symbol, bound);
    }
    return value;
  };
  return convert(fn);
}

/**
 * A captured variable is read as the load left it; a function declared in its scope that assigns
 * it (a setter beside the closure, `bump(v) { k = v; }`) may run before the call and change it,
 * so the closure is refused.
 */
function rejectAssignedLater(cx: LoweringContext, use: ts.Identifier, symbol: ts.Symbol): void {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  const scope = declaration && (ts.findAncestor(declaration.parent, ts.isFunctionLike) ?? declaration.getSourceFile());
  if (!scope) return;
  let write: ts.Node | undefined;
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (write) return;
    const target = assignmentTarget(node);
    if (inFunction && target && ts.isIdentifier(target) && cx.checker.getSymbolAtLocation(target) === symbol)
      write = node;
    ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(node)));
  };
  ts.forEachChild(scope, (child) => visit(child, false));
  if (!write) return;
  const { line } = write.getSourceFile().getLineAndCharacterOfPosition(write.getStart());
  cx.fail(
    use,
    "AD1004",
    `'${use.text}' is read as it was when its module loaded, but a function assigns it (${write.getSourceFile().fileName.split("/").pop()}:${line + 1}), which may run before this call`,
    "pass the value to the function as a parameter",
  );
}

/** A captured function, number, boolean or string as the frontend binds it; undefined for the rest. */
function compileTimeValue(
  cx: LoweringContext,
  value: HeapValue,
  convert: (fn: HeapFunction) => FunctionValue,
): Bound | undefined {
  if (value instanceof HeapFunction) return convert(value);
  if (typeof value === "number") return cx.builder.constant(value);
  if (typeof value === "boolean") return cx.boolean(value);
  if (typeof value === "string") return stringConstant(cx, value);
  return undefined;
}

/** A binding of a function's scope below its module's (whose variables the frontend reads itself). */
function capturedBinding(scope: Scope, name: string) {
  for (let s: Scope | undefined = scope; s?.parent; s = s.parent) {
    const binding = s.bindings.get(name);
    if (binding) return binding;
  }
  return undefined;
}

/** The identifiers of a function's body that name variables declared outside it. */
function freeIdentifiers(cx: LoweringContext, fn: ts.Node): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !isPropertyName(node)) {
      const declaration = cx.checker.getSymbolAtLocation(node)?.valueDeclaration;
      if (!declaration || !encloses(fn, declaration)) found.push(node);
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn, visit);
  return found;
}

function isPropertyName(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === identifier) ||
    (ts.isPropertyAssignment(parent) && parent.name === identifier)
  );
}

/** A use of a table whose module's load stopped: what stopped it, and where. */
function rejectStoppedLoad(cx: LoweringContext, use: ts.Expression, record: ModuleRecord): never {
  const stop = record.stop;
  const where = stop ? locate(stop.node.getSourceFile(), stop.node.getStart()) : undefined;
  return cx.fail(
    use,
    "AD1004",
    `'${skipWrappers(use).getText(cx.sourceFile)}' is built when its module loads, by code the compiler does not evaluate: ${stop?.why ?? "the module imports itself"}${where ? ` (${where.file}:${where.line}:${where.column})` : ""}`,
    "build the table from literals, loops and calls of the module's own functions, or call the functions by name",
  );
}

function rejectRunTimeWrite(cx: LoweringContext, use: ts.Expression, write: ts.Node): never {
  const { file, line } = locate(write.getSourceFile(), write.getStart());
  return cx.fail(
    use,
    "AD1004",
    `'${skipWrappers(use).getText(cx.sourceFile)}' is read from a table its module builds when it loads, and a function changes the table afterwards (${file}:${line}), so which function it holds is known only when the code runs`,
    "build the table once, at the module's top level, and do not assign it in functions; or call the functions by name",
  );
}

function isModuleLevel(declaration: ts.Declaration): boolean {
  if (ts.isFunctionDeclaration(declaration)) return ts.isSourceFile(declaration.parent);
  if (!ts.isVariableDeclaration(declaration)) return false;
  const statement = declaration.parent.parent;
  return ts.isVariableStatement(statement) && ts.isSourceFile(statement.parent);
}

function encloses(outer: ts.Node, inner: ts.Node): boolean {
  return inner.getSourceFile() === outer.getSourceFile() && inner.pos >= outer.pos && inner.end <= outer.end;
}
