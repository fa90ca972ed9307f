/**
 * Properties of functions: a function declaration given a property once, in the scope that
 * declares it (`function polyIn(t) {...} polyIn.exponent = custom;`, as d3-ease configures its
 * easings), is a function with a known member. `easePolyIn.exponent(3)` is resolved at compile
 * time: the receiver to the function it holds (through a package's JavaScript for an import),
 * the property to the function assigned to it, which is then called like any function value.
 * The assignment itself computes nothing the differentiated code reads: lowering skips it.
 */
import { ts } from "ts-morph";
import type { LoweringContext } from "./context.js";
import { type Callable, functionValue, FunctionValue, isFunctionTyped } from "./functions.js";
import { libraryImplementation } from "./library.js";
import { assignmentTarget, skipParentheses } from "./syntax.js";

/** `f.name = value` as a statement, with `f` naming a function declaration of the same scope. */
function propertyAssignment(
  checker: ts.TypeChecker,
  statement: ts.Statement,
): { function: ts.FunctionDeclaration; name: string; value: ts.Expression } | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  const expression = statement.expression;
  if (!ts.isBinaryExpression(expression) || expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken)
    return undefined;
  const target = expression.left;
  if (!ts.isPropertyAccessExpression(target) || !ts.isIdentifier(target.expression)) return undefined;
  const declaration = checker.getSymbolAtLocation(target.expression)?.valueDeclaration;
  if (!declaration || !ts.isFunctionDeclaration(declaration) || declaration.parent !== statement.parent)
    return undefined;
  return { function: declaration, name: target.name.text, value: expression.right };
}

/** True for `f.name = value` giving a function of the same scope a property: skipped. */
export function isFunctionPropertyAssignment(cx: LoweringContext, statement: ts.Statement): boolean {
  return propertyAssignment(cx.checker, statement) !== undefined;
}

/** Methods every function has, which are not properties given to it. */
const functionMethods = new Set(["call", "apply", "bind", "toString"]);

/** `f.name(...)` calling a property given to a function (`easePolyIn.exponent(3)`): one the
 * program assigns, or typings declare; not a namespace's function merged with `f`. */
export function isFunctionPropertyCall(cx: LoweringContext, callee: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(callee) || functionMethods.has(callee.name.text)) return false;
  if (!isFunctionTyped(cx, callee.expression) || !isFunctionTyped(cx, callee)) return false;
  const declaration = cx.checker.getSymbolAtLocation(callee.name)?.valueDeclaration;
  const file = declaration?.getSourceFile();
  // The standard library's functions (Array.from, Number.isFinite) are not configured ones.
  if (!declaration || !file || /(^|\/)lib\.[\w.]+\.d\.ts$/.test(file.fileName)) return false;
  return file.isDeclarationFile || ts.isBinaryExpression(declaration) || ts.isPropertyAccessExpression(declaration);
}

/** The function `access` reads from a function with a property; undefined for other reads. */
export function functionProperty(cx: LoweringContext, access: ts.PropertyAccessExpression): Callable | undefined {
  if (!isFunctionTyped(cx, access.expression)) return undefined;
  const receiver = receiverFunction(cx, access.expression);
  const node = receiver.node;
  if (!ts.isFunctionDeclaration(node) || !ts.isBlock(node.parent)) return undefined;
  const assignments = node.parent.statements
    .map((statement) => propertyAssignment(cx.checker, statement))
    .filter((found) => found?.function === node && found.name === access.name.text);
  if (assignments.length !== 1 || assignedElsewhere(cx, node, access.name.text)) return undefined;
  const value = skipParentheses(assignments[0]!.value);
  const file = cx.sourceFile;
  cx.sourceFile = value.getSourceFile();
  try {
    const named = ts.isIdentifier(value) ? namedFunctionExpression(cx, value) : undefined;
    if (named) return named;
    // A function made beside the receiver sees the variables the receiver captured.
    if (ts.isFunctionExpression(value) || ts.isArrowFunction(value)) return new FunctionValue(value, receiver.captured);
    return functionValue(cx, value);
  } finally {
    cx.sourceFile = file;
  }
}

/** The function a function expression's own name names, inside it (`custom` in
 * `(function custom(e) {...})`); undefined for other names. */
export function namedFunctionExpression(cx: LoweringContext, identifier: ts.Identifier): FunctionValue | undefined {
  const declaration = cx.checker.getSymbolAtLocation(identifier)?.valueDeclaration;
  return declaration && ts.isFunctionExpression(declaration) ? new FunctionValue(declaration) : undefined;
}

/** True when code other than the one assignment in its scope writes `f.name`. */
function assignedElsewhere(cx: LoweringContext, node: ts.FunctionDeclaration, name: string): boolean {
  const symbol = node.name && cx.checker.getSymbolAtLocation(node.name);
  let count = 0;
  const visit = (child: ts.Node): void => {
    const target = assignmentTarget(child);
    if (target && ts.isPropertyAccessExpression(target) && target.name.text === name) {
      const owner = ts.isIdentifier(target.expression) ? cx.checker.getSymbolAtLocation(target.expression) : undefined;
      if (owner === undefined || owner === symbol) count++;
    }
    ts.forEachChild(child, visit);
  };
  visit(node.getSourceFile());
  return count !== 1;
}

/** The function a receiver holds: an import of a package's constant resolved to the package's
 * JavaScript (`easePolyIn` -> `var polyIn = (function custom(e) {...})(exponent)`), or any
 * function value. */
function receiverFunction(cx: LoweringContext, receiver: ts.Expression): FunctionValue {
  const node = skipParentheses(receiver);
  let symbol = ts.isIdentifier(node) ? cx.checker.getSymbolAtLocation(node) : undefined;
  if (symbol && !cx.functions.has(symbol)) {
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = cx.checker.getAliasedSymbol(symbol);
    const typings = symbol.declarations?.find((d) => d.getSourceFile().isDeclarationFile);
    let implementation = typings && libraryImplementation(cx.checker, typings);
    if (implementation && implementation.flags & ts.SymbolFlags.Alias)
      implementation = cx.checker.getAliasedSymbol(implementation);
    const declaration = implementation?.valueDeclaration;
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) {
      const file = cx.sourceFile;
      cx.sourceFile = declaration.getSourceFile();
      try {
        return programFunction(cx, declaration.initializer);
      } finally {
        cx.sourceFile = file;
      }
    }
  }
  return programFunction(cx, receiver);
}

/** The function of the program an expression names: a Math function has no properties. */
function programFunction(cx: LoweringContext, expression: ts.Expression): FunctionValue {
  const value = functionValue(cx, expression);
  return value instanceof FunctionValue ? value : cx.unsupported(expression);
}
