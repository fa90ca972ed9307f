/**
 * Whether a table the load built may change afterwards: a write through the table's own name
 * (`table.x = ...`, `table[k] = f`, `delete table.x`, `table.items.push(...)`,
 * `Object.assign(table, ...)`) inside a function, in the file that declares it or in a file of
 * the project the differentiated function's file reaches through its imports. A function may be
 * called after the load, when the call being compiled finds what it left, so the lookup is
 * refused. Writes at a module's top level are the load itself, which the interpreter has run.
 * A write through a module a function requires itself (`var mm = __webpack_require__(2);
 * mm.f = ...`) may reach any table, so it counts as a write of every one. Code that writes a
 * table through another name (a parameter it was passed to) is not seen, as for module objects
 * (see modules.ts): `as const` or `Object.freeze` keep such code out.
 */
import { ts } from "ts-morph";
import type { LoweringContext } from "../context.js";
import { isPackageFile } from "../library.js";
import { reachableFiles } from "../modules.js";
import { assignmentTarget, isValueWrapper, mutatingMethods } from "../syntax.js";
import { isLoadRegistration } from "../registered-tables.js";

/** Functions of `Object` that write into their first argument. */
const writingObjectFunctions = new Set(["assign", "defineProperty", "defineProperties", "setPrototypeOf"]);

/** The first write through one of `symbols` inside a function of the files named above. */
export function runTimeWrite(
  cx: LoweringContext,
  declaringFile: ts.SourceFile,
  symbols: ReadonlySet<ts.Symbol>,
): ts.Node | undefined {
  const project = projectFiles(cx);
  const isLoadsOwn = (write: ts.Node) => isLoadRegistration(cx, write, project);
  for (const file of new Set([declaringFile, ...project])) {
    const found = writeInFunctions(cx.checker, file, symbols, isLoadsOwn);
    if (found) return found;
  }
  return undefined;
}

/** A local of a function holding a module it requires (`var mm = __webpack_require__(2)`, `const
 * m = require("./m")`): a write through it may change any table, which is not followed here. */
function isRequiredInFunction(symbol: ts.Symbol): boolean {
  const declaration = symbol.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return false;
  if (!ts.findAncestor(declaration, ts.isFunctionLike)) return false;
  const init = declaration.initializer;
  return (
    ts.isCallExpression(init) &&
    ts.isIdentifier(init.expression) &&
    (init.expression.text === "require" || init.expression.text === "__webpack_require__")
  );
}

function writeInFunctions(
  checker: ts.TypeChecker,
  file: ts.SourceFile,
  symbols: ReadonlySet<ts.Symbol>,
  isLoadsOwn: (write: ts.Node) => boolean,
) {
  let found: ts.Node | undefined;
  const isTable = (target: ts.Expression | undefined): boolean => {
    let root = target;
    while (root && (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root) || isValueWrapper(root)))
      root = root.expression;
    if (!root || !ts.isIdentifier(root)) return false;
    const symbol = checker.getSymbolAtLocation(root);
    if (!symbol) return false;
    if (isRequiredInFunction(symbol)) return true;
    const aliased = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return symbols.has(symbol) || symbols.has(aliased);
  };
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (found) return;
    if (inFunction && isTable(writtenBy(node)) && !isLoadsOwn(node)) found = node;
    else ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(node)));
  };
  visit(file, false);
  return found;
}

/** What `node` writes into: an assignment's target, a mutating method's receiver, the object
 * `Object.assign` and its kin write into. */
function writtenBy(node: ts.Node): ts.Expression | undefined {
  const target = assignmentTarget(node);
  if (target) return ts.isIdentifier(target) ? undefined : target;
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return undefined;
  const callee = node.expression;
  if (mutatingMethods.has(callee.name.text)) return callee.expression;
  const isObject = ts.isIdentifier(callee.expression) && callee.expression.text === "Object";
  return isObject && writingObjectFunctions.has(callee.name.text) ? node.arguments[0] : undefined;
}

/** The project's files the differentiated function's file reaches through its imports, itself first. */
function projectFiles(cx: LoweringContext): ts.SourceFile[] {
  return reachableFiles(cx).filter((file) => !isPackageFile(file.fileName));
}
