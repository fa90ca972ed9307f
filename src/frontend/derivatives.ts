/**
 * User-supplied derivatives: a function tagged `@derivative f` is the vector-Jacobian product of
 * `f`, used wherever a differentiable function calls `f` instead of differentiating its body (or
 * because `f` has none: a `declare function`, a library function).
 *
 *   /** @derivative softplus *\/
 *   export function softplusVjp(x: number, cotangent: number): { x: number } {
 *     return { x: cotangent / (1 + Math.exp(-x)) };
 *   }
 *
 * The rule takes `f`'s parameters and the cotangent of its result, and returns an object with
 * the cotangent of each of `f`'s number and array parameters (`int`, boolean and string ones
 * have none). Generated code calls it, so it must be exported. This module also says how
 * generated code reaches a function of the user's program: by importing it, or by declaring
 * it again.
 */
import path from "node:path";
import { ts } from "ts-morph";
import { type Diagnostic, DiagnosticError } from "../diagnostics.js";
import { locate } from "./program.js";

export interface DerivativeRule {
  name: string;
  node: ts.FunctionDeclaration;
}

/** How generated code names a function of the user's program. */
export type ExternalReference =
  { name: string; file: string } | { name: string; specifier: string } | { name: string; declaration: string };

/** The symbol a name stands for, through imports. */
export function resolvedSymbol(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  // The local symbol of an exported declaration stands for its export symbol.
  return checker.getExportSymbolOfSymbol(
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol,
  );
}

function isExported(node: ts.Node): boolean {
  return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
}

/** `int`, boolean and string parameters have no cotangent; numbers and arrays do. */
export function hasCotangent(checker: ts.TypeChecker, parameter: ts.ParameterDeclaration): boolean {
  if (parameter.type && ts.isTypeReferenceNode(parameter.type) && parameter.type.typeName.getText() === "int")
    return false;
  const type = checker.getTypeAtLocation(parameter);
  return (
    (type.flags & ts.TypeFlags.NumberLike) !== 0 ||
    checker.isArrayType(type) ||
    type.getSymbol()?.getName().endsWith("Array") === true
  );
}

/** Every `@derivative` rule of the program's files, by the symbol of the function it is for. */
export function findDerivativeRules(
  checker: ts.TypeChecker,
  files: readonly ts.SourceFile[],
): { rules: Map<ts.Symbol, DerivativeRule>; diagnostics: Diagnostic[] } {
  const rules = new Map<ts.Symbol, DerivativeRule>();
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    // Rules are function declarations; a tag elsewhere (a file's header comment) is prose.
    for (const statement of file.statements.filter(ts.isFunctionDeclaration)) {
      const tag = ts.getJSDocTags(statement).find((t) => t.tagName.text === "derivative");
      if (!tag) continue;
      try {
        const [symbol, rule] = readRule(checker, file, statement, tag);
        if (rules.has(symbol))
          fail(file, tag, `'${symbol.name}' has a second @derivative rule`, "keep one rule per function");
        rules.set(symbol, rule);
      } catch (error) {
        if (!(error instanceof DiagnosticError)) throw error;
        diagnostics.push(error.diagnostic);
      }
    }
  }
  return { rules, diagnostics };
}

function fail(file: ts.SourceFile, node: ts.Node, message: string, hint: string): never {
  throw new DiagnosticError({ code: "AD1013", severity: "error", message, hint, ...locate(file, node.getStart(file)) });
}

function readRule(
  checker: ts.TypeChecker,
  file: ts.SourceFile,
  statement: ts.FunctionDeclaration,
  tag: ts.JSDocTag,
): [ts.Symbol, DerivativeRule] {
  const comment = typeof tag.comment === "string" ? tag.comment.trim() : "";
  const usage =
    "write /** @derivative f */ above `export function fVjp(...fParameters, cotangent: number) { return { x: ... } }`";
  if (!statement.name || !statement.body) {
    fail(file, tag, "@derivative marks a function declaration", usage);
  }
  const ruleName = statement.name.text;
  if (!/^[A-Za-z_$][\w$]*$/.test(comment)) fail(file, tag, `cannot read '@derivative ${comment}'`, usage);
  const found = checker
    .getSymbolsInScope(statement, ts.SymbolFlags.Value | ts.SymbolFlags.Alias)
    .find((s) => s.name === comment);
  const target = found && resolvedSymbol(checker, found);
  const declaration = target?.valueDeclaration;
  if (!target || !declaration || !ts.isFunctionDeclaration(declaration)) {
    fail(file, tag, `'@derivative ${comment}' names no function declared or imported here`, usage);
  }
  if (!isExported(statement)) {
    fail(
      file,
      statement.name,
      `the derivative rule '${ruleName}' is not exported`,
      "export it: generated code calls it",
    );
  }
  const expected = declaration.parameters.length + 1;
  if (statement.parameters.length !== expected) {
    fail(
      file,
      statement.name,
      `'${ruleName}' takes ${statement.parameters.length} parameters; a rule for '${comment}' takes its ${declaration.parameters.length} and then the cotangent`,
      usage,
    );
  }
  const returned = checker.getReturnTypeOfSignature(checker.getSignatureFromDeclaration(statement)!);
  for (const parameter of declaration.parameters) {
    if (!ts.isIdentifier(parameter.name) || !hasCotangent(checker, parameter)) continue;
    if (!returned.getProperty(parameter.name.text)) {
      fail(
        file,
        statement.name,
        `'${ruleName}' returns no '${parameter.name.text}': the cotangent of that parameter of '${comment}'`,
        usage,
      );
    }
  }
  return [target, { name: ruleName, node: statement }];
}

/**
 * How generated code reaches `symbol`, written `name` in `file`: an import of the same module
 * (a library, or a file of the project whose declaration is exported), a copy of an ambient
 * `declare function`, or nothing for a global. Undefined when it cannot (not exported).
 */
export function referenceTo(checker: ts.TypeChecker, name: ts.Identifier): ExternalReference | "global" | undefined {
  const local = checker.getSymbolAtLocation(name);
  if (!local) return undefined;
  const target = resolvedSymbol(checker, local);
  const declaration = target.valueDeclaration;
  if (!declaration) return undefined;
  const exportedName = target.name;
  if (local.flags & ts.SymbolFlags.Alias) {
    const specifier = local.declarations?.[0];
    const module =
      specifier && ts.isImportSpecifier(specifier) ? specifier.parent.parent.parent.moduleSpecifier : undefined;
    if (module && ts.isStringLiteral(module)) {
      // A relative import names a file beside the importing one (a .js file with typings, too).
      if (!module.text.startsWith(".")) return { name: exportedName, specifier: module.text };
      if (declaration.getSourceFile().isDeclarationFile) {
        return { name: exportedName, file: path.resolve(path.dirname(name.getSourceFile().fileName), module.text) };
      }
    }
  }
  const file = declaration.getSourceFile();
  if (file.isDeclarationFile) return "global";
  // `export const f = (...) => ...` is a function with a body too; its export is on the statement.
  if (ts.isVariableDeclaration(declaration)) {
    return isExported(declaration.parent.parent) ? { name: exportedName, file: file.fileName } : undefined;
  }
  const hasBody = ts.isFunctionDeclaration(declaration) && declaration.body !== undefined;
  if (!hasBody) {
    const text = declaration.getText(file).replace(/^export\s+/, "");
    return { name: exportedName, declaration: text.startsWith("declare") ? text : `declare ${text}` };
  }
  return isExported(declaration) ? { name: exportedName, file: file.fileName } : undefined;
}
