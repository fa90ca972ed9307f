/**
 * Library code: npm packages that ship JavaScript with type declarations. A call the checker
 * resolves to a declaration in a package's typings is compiled through the package's
 * JavaScript, found as TypeScript's "go to source definition" finds it: the `.js` beside the
 * `.d.ts` (`src/mean.d.ts` -> `src/mean.js`), or, for a declaration inside
 * `declare module "pkg"` or in `@types/pkg`, the package's own entry point; then the same names
 * exported there (`vec3.dot` of the typings -> `export function dot` of the module the entry
 * exports as `vec3`).
 *
 * program.ts adds these JavaScript files to the program (allowJs, no checkJs: they are read,
 * never reported on) and registers them here for the lowering to find.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ts } from "ts-morph";
import type { Type } from "../ir/types.js";
import type { FunctionNode } from "./annotations.js";
import type { Argument } from "./functions.js";
import { skipParentheses } from "./syntax.js";

/** The JavaScript files of the packages the program's files import, by checker. */
const libraryFiles = new WeakMap<ts.TypeChecker, ReadonlyMap<string, ts.SourceFile>>();

export function registerLibraryFiles(checker: ts.TypeChecker, program: ts.Program, files: readonly string[]): void {
  const byPath = new Map<string, ts.SourceFile>();
  for (const file of files) {
    const sourceFile = program.getSourceFile(file);
    if (sourceFile) byPath.set(path.resolve(file), sourceFile);
  }
  libraryFiles.set(checker, byPath);
}

/** The program's source file of a package's JavaScript file; undefined when it is not read. */
export function librarySourceFile(checker: ts.TypeChecker, file: string): ts.SourceFile | undefined {
  return libraryFiles.get(checker)?.get(path.resolve(file));
}

/** Whether the JavaScript of the package whose typings hold `declaration` is read. */
export function readsPackageJavaScript(checker: ts.TypeChecker, declaration: ts.Declaration): boolean {
  const root = packageRootOf(declaration.getSourceFile().fileName);
  if (!root) return false;
  const implementing = `${implementingPackage(root)}/`;
  return [...(libraryFiles.get(checker)?.keys() ?? [])].some((file) =>
    file.split(path.sep).join("/").startsWith(implementing),
  );
}

/**
 * The JavaScript files implementing the typings of the packages the user's files import: the
 * `.js` beside each of their declaration files, and each package's entry point.
 */
export function libraryImplementationFiles(program: ts.Program, userFiles: readonly ts.SourceFile[]): string[] {
  const packageRoots = new Set<string>();
  for (const file of userFiles) {
    for (const statement of file.statements) {
      const specifier = importedModule(statement);
      if (!specifier || !ts.isStringLiteral(specifier) || !readsLibraryCode(statement, specifier.text)) continue;
      const resolved = ts.resolveModuleName(specifier.text, file.fileName, program.getCompilerOptions(), ts.sys)
        .resolvedModule?.resolvedFileName;
      const root = resolved && packageRootOf(resolved);
      if (root) packageRoots.add(root);
    }
  }
  const files = new Set<string>();
  for (const declarationFile of program.getSourceFiles()) {
    const root = packageRootOf(declarationFile.fileName);
    if (!declarationFile.isDeclarationFile || !root || !packageRoots.has(root)) continue;
    const beside = javaScriptBeside(declarationFile.fileName);
    if (beside) addWithImports(files, beside);
    const entry = packageEntry(implementingPackage(root));
    if (entry) addWithImports(files, entry);
  }
  return [...files];
}

/** The module an import, re-export or `import x = require("pkg")` names. */
function importedModule(statement: ts.Statement): ts.Expression | undefined {
  if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) return statement.moduleSpecifier;
  if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference))
    return statement.moduleReference.expression;
  return undefined;
}

/** An import of values from a package other than the compiler's own (`adjoint`). */
function readsLibraryCode(statement: ts.Statement, specifier: string): boolean {
  if (specifier.startsWith(".") || specifier === "adjoint") return false;
  if (ts.isExportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) return !statement.isTypeOnly;
  if (!ts.isImportDeclaration(statement)) return false;
  return statement.importClause !== undefined && !statement.importClause.isTypeOnly;
}

/** Adds a package's JavaScript file and those it imports by relative paths: TypeScript does not
 * follow the imports of JavaScript in node_modules itself. */
function addWithImports(files: Set<string>, file: string): void {
  if (files.has(file)) return;
  files.add(file);
  for (const imported of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
    if (!imported.fileName.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), imported.fileName);
    const candidates = [target, `${target}.js`, `${target}.mjs`, path.join(target, "index.js")];
    const found = candidates.find((candidate) => /\.[mc]?js$/.test(candidate) && existsSync(candidate));
    if (found) addWithImports(files, found);
  }
}

/**
 * The symbol of the JavaScript implementation of a package's declaration; undefined when the
 * package's JavaScript cannot be found or does not export it under the same names.
 */
export function libraryImplementation(checker: ts.TypeChecker, declaration: ts.Declaration): ts.Symbol | undefined {
  const located = exportedNames(declaration);
  if (!located) return undefined;
  const declarationFile = declaration.getSourceFile().fileName;
  const implementation =
    located.container === "file"
      ? bundledModule(declarationFile)
      : (packageEntry(path.join(nodeModulesOf(declarationFile), located.container)) ?? bundledModule(declarationFile));
  const mirrored = located.container === "file" ? mirroredJavaScript(declarationFile) : undefined;
  const inMirrored = mirrored === undefined ? undefined : exportedSymbol(checker, mirrored, located.names);
  return (
    inMirrored ?? (implementation === undefined ? undefined : exportedSymbol(checker, implementation, located.names))
  );
}

/** The symbol a JavaScript file of a package exports under `names`, outermost first. */
function exportedSymbol(checker: ts.TypeChecker, implementation: string, names: string[]): ts.Symbol | undefined {
  const file = libraryFiles.get(checker)?.get(path.resolve(implementation));
  let symbol = file && moduleSymbolOf(checker, file);
  for (const name of names) {
    if (!symbol) return undefined;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    symbol =
      name === exportEquals
        ? commonJsExport(checker, symbol)
        : symbol.flags & ts.SymbolFlags.Module
          ? checker.getExportsOfModule(symbol).find((s) => s.name === name)
          : symbol.flags & ts.SymbolFlags.ObjectLiteral
            ? symbol.members?.get(ts.escapeLeadingUnderscores(name))
            : checker.getTypeOfSymbol(symbol).getProperty(name);
  }
  return symbol;
}

/**
 * The module a JavaScript file is: the checker answers for ES modules only, so a CommonJS file
 * (which assigns `module.exports` or `exports.f`) is the symbol the binder gave it.
 */
function moduleSymbolOf(checker: ts.TypeChecker, file: ts.SourceFile): ts.Symbol | undefined {
  return checker.getSymbolAtLocation(file) ?? (file as ts.SourceFile & { symbol?: ts.Symbol }).symbol;
}

/**
 * The value CommonJS code exports by assigning it (`exports.f = function f() {...}`,
 * `module.exports.f = f`, `module.exports = f`), given the declaration the binder made of the
 * assignment's target; undefined for other declarations.
 */
export function commonJsAssignedValue(declaration: ts.Node): ts.Expression | undefined {
  const assignment = ts.isBinaryExpression(declaration) ? declaration : declaration.parent;
  if (!isJavaScript(declaration) || !assignment || !ts.isBinaryExpression(assignment)) return undefined;
  if (assignment.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
  return isExportsTarget(assignment.left) ? assignment.right : undefined;
}

/** `exports.f`, `module.exports` or `module.exports.f`. */
function isExportsTarget(node: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(node)) return false;
  const isModuleExports = (n: ts.Expression) =>
    ts.isPropertyAccessExpression(n) &&
    ts.isIdentifier(n.expression) &&
    n.expression.text === "module" &&
    n.name.text === "exports";
  if (isModuleExports(node)) return true;
  return (ts.isIdentifier(node.expression) && node.expression.text === "exports") || isModuleExports(node.expression);
}

/** The module an object literal CommonJS code assigns to `module.exports` is the exports of. */
export function commonJsModuleObject(checker: ts.TypeChecker, literal: ts.Node): ts.Symbol | undefined {
  const assignment = literal.parent;
  if (!assignment || !ts.isBinaryExpression(assignment) || assignment.right !== literal) return undefined;
  if (commonJsAssignedValue(assignment) !== literal) return undefined;
  const module = moduleSymbolOf(checker, literal.getSourceFile());
  return module && commonJsExport(checker, module);
}

/** The name `export = f` of typings exports `f` under. */
const exportEquals = "export=";

/**
 * What a module exports as a whole: what CommonJS assigns to `module.exports` (`module.exports =
 * f`, `module.exports = { f, g }`), which `export =` typings describe; else, for JavaScript
 * written as an ES module, its default export.
 */
function commonJsExport(checker: ts.TypeChecker, module: ts.Symbol): ts.Symbol | undefined {
  if (!(module.flags & ts.SymbolFlags.Module)) return undefined;
  const assigned = module.exports?.get(ts.escapeLeadingUnderscores(exportEquals));
  const value = assigned?.declarations?.find(ts.isBinaryExpression)?.right;
  // An object of functions: its members are looked up on the object literal itself.
  if (value && ts.isObjectLiteralExpression(skipParentheses(value)))
    return checker.getTypeAtLocation(value).getSymbol();
  if (assigned) return assigned.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(assigned) : assigned;
  return checker.getExportsOfModule(module).find((s) => s.name === "default");
}

/**
 * The names a declaration is exported under, outermost first (`["vec3", "dot"]` for `dot` in
 * `namespace vec3`), and whether they start at its file or at an ambient `declare module "pkg"`.
 */
function exportedNames(declaration: ts.Declaration): { names: string[]; container: "file" | string } | undefined {
  const names: string[] = [];
  const isDefault = ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Default;
  const name = ts.getNameOfDeclaration(declaration);
  if (isDefault || ts.isExportAssignment(declaration)) names.push("default");
  else if (name && ts.isIdentifier(name)) names.push(exportNameInFile(declaration, name.text));
  else return undefined;
  let node: ts.Node = declaration.parent;
  for (;;) {
    if (ts.isSourceFile(node)) return { names, container: "file" };
    if (ts.isModuleDeclaration(node)) {
      if (ts.isStringLiteral(node.name)) return { names, container: node.name.text };
      names.unshift(exportNameInFile(node, node.name.text));
    }
    node = node.parent;
  }
}

/**
 * The name a top-level declaration its file exports in a later statement goes by outside
 * (`declare function mean(...); export default mean;` -> "default", `export { f as g }` -> "g");
 * its own name otherwise.
 */
function exportNameInFile(declaration: ts.Declaration, name: string): string {
  if (!ts.isSourceFile(declaration.parent)) return name;
  for (const statement of declaration.parent.statements) {
    if (ts.isExportAssignment(statement) && ts.isIdentifier(statement.expression) && statement.expression.text === name)
      return statement.isExportEquals ? exportEquals : "default";
    if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier || !statement.exportClause) continue;
    if (!ts.isNamedExports(statement.exportClause)) continue;
    const specifier = statement.exportClause.elements.find((e) => (e.propertyName ?? e.name).getText() === name);
    if (specifier) return specifier.name.getText();
  }
  return name;
}

/**
 * The JavaScript of a `declare module "math/Vec3"` naming no package: a bundle's typings, one
 * module per source file of the package, which its entry re-exports; the bundle (beside the
 * `.d.ts`, else the package's entry) exports the same names.
 */
export function bundledModule(declarationFile: string): string | undefined {
  const root = packageRootOf(declarationFile);
  return javaScriptBeside(declarationFile) ?? (root && packageEntry(implementingPackage(root)));
}

/** The JavaScript file read for the package whose typings hold `declaration`: the one beside
 * them, else the package's entry (for a bundled package, its bundle). */
export function packageJavaScriptOf(checker: ts.TypeChecker, declaration: ts.Declaration): ts.SourceFile | undefined {
  const file = bundledModule(declaration.getSourceFile().fileName);
  return file ? libraryFiles.get(checker)?.get(path.resolve(file)) : undefined;
}

/** True for a file of an installed package (in `node_modules`), whatever the path separator. */
export function isPackageFile(fileName: string): boolean {
  return /(^|\/)node_modules\//.test(fileName.split(path.sep).join("/"));
}

/** `.../node_modules/pkg` or `.../node_modules/@scope/pkg` of a file in a package. */
function packageRootOf(file: string): string | undefined {
  const match = /^(.*\/node_modules\/)((?:@[^/]+\/)?[^/]+)\//.exec(file.split(path.sep).join("/"));
  return match ? `${match[1]}${match[2]}` : undefined;
}

function nodeModulesOf(file: string): string {
  const root = packageRootOf(file)!;
  return root.slice(0, root.lastIndexOf("/node_modules/") + "/node_modules/".length);
}

/** The package whose code `@types/pkg` describes (`@types/scope__pkg` for `@scope/pkg`). */
function implementingPackage(root: string): string {
  const match = /\/node_modules\/@types\/([^/]+)$/.exec(root);
  if (!match) return root;
  const described = match[1]!.includes("__") ? `@${match[1]!.replace("__", "/")}` : match[1]!;
  return path.join(nodeModulesOf(root), described);
}

/**
 * The JavaScript at the same path in the package `@types/pkg` describes, when its typings
 * mirror its source files (`@types/culori/src/converter.d.ts` -> `culori/src/converter.js`,
 * whose default export is the one the typings declare there).
 */
function mirroredJavaScript(declarationFile: string): string | undefined {
  const root = packageRootOf(declarationFile);
  const implementing = root && implementingPackage(root);
  if (!root || !implementing || implementing === root) return undefined;
  const candidate = path.join(implementing, path.relative(root, declarationFile)).replace(/\.d\.([mc]?)ts$/, ".$1js");
  return /\.[mc]?js$/.test(candidate) && existsSync(candidate) ? candidate : undefined;
}

function javaScriptBeside(declarationFile: string): string | undefined {
  const candidate = declarationFile.replace(/\.d\.([mc]?)ts$/, ".$1js");
  return candidate !== declarationFile && existsSync(candidate) ? candidate : undefined;
}

/** The package's ES module entry (`exports` "import", `module`), else its `main`. */
export function packageEntry(root: string): string | undefined {
  const manifestPath = path.join(root, "package.json");
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    exports?: unknown;
    module?: string;
    main?: string;
  };
  const fromExports = exportTarget(manifest.exports);
  const candidates = [fromExports, manifest.module, manifest.main, "index.js"];
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const file = path.join(root, candidate);
    if (existsSync(file) && /\.[mc]?js$/.test(file)) return file;
  }
  return undefined;
}

/** The file `exports` maps "." to, under the "import" or "default" condition. */
function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === "string") return exports;
  if (typeof exports !== "object" || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  const main = "." in map ? map["."] : map;
  if (typeof main === "string") return main;
  if (typeof main !== "object" || main === null) return undefined;
  const conditions = main as Record<string, unknown>;
  return exportTarget(conditions.import) ?? exportTarget(conditions.default) ?? exportTarget(conditions.node);
}

/**
 * What a JavaScript helper returns when its typings do not say (`@returns {vec3}` of a type the
 * file does not import): the argument of the parameter every `return` gives back (`return out`,
 * or `return identity(out)` with a function of the file that returns its parameter), else what
 * `typeOf` makes of the returned expression (a local the checker types), else a number, which
 * the lowering checks against the returned value. A `return null` gives no value (see
 * null-returns.ts).
 */
export function untypedReturnType(
  helper: FunctionNode,
  args: readonly Argument[],
  typeOf: (returned: ts.Expression) => Type | undefined = () => undefined,
): Type | undefined {
  if (!isJavaScript(helper)) return undefined;
  const returned = new Set<Type>();
  for (const expression of returnedExpressions(helper)) {
    const index = returnedParameter(helper, expression, new Set());
    const arg = args[index];
    const leftOut = index >= 0 && arg === undefined && ts.isIdentifier(expression);
    const assigned = leftOut ? assignedType(helper, expression) : undefined;
    returned.add(arg && "type" in arg ? arg.type : (assigned ?? typeOf(expression) ?? "number"));
  }
  return returned.size === 1 ? [...returned][0] : undefined;
}

/** What a function's `return` statements give, but `return null`. */
function returnedExpressions(helper: FunctionNode): ts.Expression[] {
  const returned: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node) && node.expression && node.expression.kind !== ts.SyntaxKind.NullKeyword)
      returned.push(node.expression);
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  if (helper.body) visit(helper.body);
  return returned;
}

/** The position of the parameter of `helper` that `expression` gives back: the parameter, or
 * a call of a function declared in the same file that returns the parameter it is given
 * there; -1 for other expressions. */
function returnedParameter(helper: FunctionNode, expression: ts.Expression, seen: Set<ts.Node>): number {
  const node = skipParentheses(expression);
  if (ts.isIdentifier(node))
    return helper.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === node.text);
  if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression)) return -1;
  const calleeName = node.expression.text;
  const callee = helper
    .getSourceFile()
    .statements.find(
      (s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === calleeName && !!s.body,
    );
  if (!callee || seen.has(callee)) return -1;
  seen.add(callee);
  const positions = new Set(returnedExpressions(callee).map((e) => returnedParameter(callee, e, seen)));
  const [position] = positions;
  const argument = positions.size === 1 && position !== undefined ? node.arguments[position] : undefined;
  return argument ? returnedParameter(helper, argument, seen) : -1;
}

/** What a function gives a parameter its call leaves out, when every assignment of it is an
 * object literal (`if (!output) output = {}`): an object. */
function assignedType(helper: FunctionNode, parameter: ts.Identifier): Type | undefined {
  let objects = 0;
  let others = 0;
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(node.left) &&
      node.left.text === parameter.text
    ) {
      if (ts.isObjectLiteralExpression(skipParentheses(node.right))) objects++;
      else others++;
    }
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  if (helper.body) visit(helper.body);
  return objects > 0 && others === 0 ? "object" : undefined;
}

/** A local of library JavaScript the checker types `any` (`var x = a[0]`, with `a` untyped):
 * it takes the type of the value it is given. */
export function isUntypedJavaScript(checker: ts.TypeChecker, name: ts.Node): boolean {
  return isJavaScript(name) && (checker.getTypeAtLocation(name).flags & ts.TypeFlags.Any) !== 0;
}

function isJavaScript(node: ts.Node): boolean {
  return /\.[mc]?js$/.test(node.getSourceFile().fileName);
}
