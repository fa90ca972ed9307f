/**
 * Questions about the TypeScript AST that need no lowering state: operator tables, the names
 * diagnostics give constructs, and queries over statements and expressions (does it return,
 * does it assign this variable, what does it read), some of them asking the type checker.
 */
import { ts } from "ts-morph";
import type { PrimitiveName } from "../rules/primitives.js";

export function skipParentheses(node: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(node) ? skipParentheses(node.expression) : node;
}

/** Expressions that give their operand's value as it is: parentheses, `as`, `satisfies`, `!`,
 * `<T>x`. */
export function isValueWrapper(
  node: ts.Node,
): node is
  ts.ParenthesizedExpression | ts.AsExpression | ts.SatisfiesExpression | ts.NonNullExpression | ts.TypeAssertion {
  return (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isTypeAssertionExpression(node)
  );
}

/** `node` without the wrappers around its value (`(x as T)!` -> `x`). */
export function skipWrappers(node: ts.Expression): ts.Expression {
  while (isValueWrapper(node)) node = node.expression;
  return node;
}

/** The outermost wrapper giving `node`'s value (`node` itself when none wraps it), whose parent
 * is what uses the value. */
export function outermostWrapper(node: ts.Node): ts.Node {
  while (node.parent && isValueWrapper(node.parent)) node = node.parent;
  return node;
}

/** The argument of a call or `new` given exactly one; undefined otherwise. */
export function onlyArgument(call: ts.CallExpression | ts.NewExpression): ts.Expression | undefined {
  const args = call.arguments ?? [];
  return args.length === 1 ? args[0] : undefined;
}

export function isLoopStatement(node: ts.Node): node is ts.IterationStatement {
  return ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

export const arithmeticOperators: ReadonlyMap<ts.SyntaxKind, PrimitiveName> = new Map([
  [ts.SyntaxKind.PlusToken, "add"],
  [ts.SyntaxKind.MinusToken, "sub"],
  [ts.SyntaxKind.AsteriskToken, "mul"],
  [ts.SyntaxKind.SlashToken, "div"],
  [ts.SyntaxKind.PercentToken, "mod"],
  [ts.SyntaxKind.AsteriskAsteriskToken, "pow"],
]);

export const compoundAssignments: ReadonlyMap<ts.SyntaxKind, PrimitiveName> = new Map([
  [ts.SyntaxKind.PlusEqualsToken, "add"],
  [ts.SyntaxKind.MinusEqualsToken, "sub"],
  [ts.SyntaxKind.AsteriskEqualsToken, "mul"],
  [ts.SyntaxKind.SlashEqualsToken, "div"],
  [ts.SyntaxKind.PercentEqualsToken, "mod"],
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken, "pow"],
]);

export const logicalOperators: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
]);

export const comparisons: ReadonlyMap<ts.SyntaxKind, PrimitiveName> = new Map([
  [ts.SyntaxKind.LessThanToken, "lt"],
  [ts.SyntaxKind.LessThanEqualsToken, "le"],
  [ts.SyntaxKind.GreaterThanToken, "gt"],
  [ts.SyntaxKind.GreaterThanEqualsToken, "ge"],
  [ts.SyntaxKind.EqualsEqualsEqualsToken, "eq"],
  [ts.SyntaxKind.EqualsEqualsToken, "eq"],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, "ne"],
  [ts.SyntaxKind.ExclamationEqualsToken, "ne"],
]);

/** Array methods that change the array they are called on. */
export const mutatingMethods: ReadonlySet<string> = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "fill",
  "sort",
  "reverse",
  "copyWithin",
  "set",
]);

/** Number methods that turn a number into a string. */
export const stringifyingMethods: ReadonlySet<string> = new Set([
  "toFixed",
  "toString",
  "toPrecision",
  "toExponential",
  "toLocaleString",
]);

/** Names for constructs the diagnostics mention, where TypeScript's kind name reads badly. */
const constructNames: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.ForStatement]: "'for' loops",
  [ts.SyntaxKind.ForOfStatement]: "'for...of' loops",
  [ts.SyntaxKind.ForInStatement]: "'for...in' loops",
  [ts.SyntaxKind.WhileStatement]: "'while' loops",
  [ts.SyntaxKind.DoStatement]: "'do...while' loops",
  [ts.SyntaxKind.SwitchStatement]: "'switch' statements",
  [ts.SyntaxKind.TryStatement]: "'try' statements",
  [ts.SyntaxKind.ThrowStatement]: "'throw' statements",
  [ts.SyntaxKind.FunctionDeclaration]: "nested function declarations",
  [ts.SyntaxKind.ClassDeclaration]: "class declarations",
  [ts.SyntaxKind.ElementAccessExpression]: "array element accesses",
  [ts.SyntaxKind.ArrayLiteralExpression]: "array literals",
  [ts.SyntaxKind.ObjectLiteralExpression]: "object literals",
  [ts.SyntaxKind.PropertyAccessExpression]: "property accesses",
  [ts.SyntaxKind.ArrowFunction]: "nested arrow functions",
  [ts.SyntaxKind.FunctionExpression]: "nested function expressions",
  [ts.SyntaxKind.NewExpression]: "'new' expressions",
  [ts.SyntaxKind.TypeOfExpression]: "'typeof' expressions",
  [ts.SyntaxKind.DebuggerStatement]: "'debugger' statements",
};

export function constructName(kind: ts.SyntaxKind): string {
  const known = constructNames[kind];
  if (known) return known;
  const words = (ts.SyntaxKind[kind] ?? "construct").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return `${words}s`;
}

export function containsReturn(node: ts.Node): boolean {
  if (ts.isReturnStatement(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, (child) => (containsReturn(child) ? true : undefined)) ?? false;
}

/** The statement as one line, for comments in generated code. */
export function statementSummary(node: ts.Node, sourceFile: ts.SourceFile): string {
  const header = (...parts: (ts.Node | undefined)[]) => parts.map((part) => part?.getText(sourceFile) ?? "");
  const text = ts.isIfStatement(node)
    ? `if (${node.expression.getText(sourceFile)})`
    : ts.isForStatement(node)
      ? `for (${header(node.initializer, node.condition, node.incrementor).join("; ")})`
      : ts.isForOfStatement(node)
        ? `for (${header(node.initializer, node.expression).join(" of ")})`
        : ts.isWhileStatement(node)
          ? `while (${node.expression.getText(sourceFile)})`
          : ts.isDoStatement(node)
            ? `do ... while (${node.expression.getText(sourceFile)})`
            : node.getText(sourceFile);
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 100 ? oneLine.slice(0, 97) + "..." : oneLine;
}

/** What `node` assigns, when it is an assignment (`=` or compound) or an increment or decrement. */
export function assignmentTarget(node: ts.Node): ts.Expression | undefined {
  // Every assignment operator, also those the lowering refuses (`??=`, `|=`): what may be
  // written is asked of code that is not lowered too (a callback, a module's other functions).
  if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
    node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
  ) {
    return node.left;
  }
  if (
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
  ) {
    return node.operand;
  }
  if (ts.isDeleteExpression(node)) return node.expression;
  return undefined;
}

/** True when `node` assigns the variable `symbol` (by name: `v.x = ...` does not count). */
export function assignsSymbol(checker: ts.TypeChecker, node: ts.Node, symbol: ts.Symbol): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    const target = assignmentTarget(child);
    if (target && ts.isIdentifier(target) && checker.getSymbolAtLocation(target) === symbol) found = true;
    ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/** True when `node` reads one of the variables `symbols`. */
export function readsAny(checker: ts.TypeChecker, node: ts.Node, symbols: readonly ts.Symbol[]): boolean {
  if (ts.isIdentifier(node)) {
    const symbol = checker.getSymbolAtLocation(node);
    return symbol !== undefined && symbols.includes(symbol);
  }
  return ts.forEachChild(node, (child) => (readsAny(checker, child, symbols) ? true : undefined)) ?? false;
}

/** True when the loop's body breaks out of it. */
export function breaks(loop: ts.IterationStatement, label: string | undefined): boolean {
  let found = false;
  const visit = (node: ts.Node, depth: number): void => {
    if (
      ts.isBreakStatement(node) &&
      ((node.label === undefined && depth === 0) || (label !== undefined && node.label?.text === label))
    )
      found = true;
    if (ts.isFunctionLike(node)) return;
    const inner = isLoopStatement(node) || ts.isSwitchStatement(node) ? depth + 1 : depth;
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(loop.statement, 0);
  return found;
}

/** The counter's step for i++, ++i, i--, --i, i += k, i -= k (k an integer literal). */
export function counterStep(update: ts.Expression, isCounter: (node: ts.Node) => boolean): number | undefined {
  if ((ts.isPostfixUnaryExpression(update) || ts.isPrefixUnaryExpression(update)) && isCounter(update.operand)) {
    if (update.operator === ts.SyntaxKind.PlusPlusToken) return 1;
    if (update.operator === ts.SyntaxKind.MinusMinusToken) return -1;
  }
  if (ts.isBinaryExpression(update) && isCounter(update.left) && ts.isNumericLiteral(update.right)) {
    const amount = Number(update.right.text);
    if (!Number.isInteger(amount) || amount === 0) return undefined;
    if (update.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) return amount;
    if (update.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken) return -amount;
  }
  return undefined;
}

/** What each arithmetic operator computes on two numbers, for values evaluated at compile time
 * (module constants, load-time code). */
export const numericOperatorValues: ReadonlyMap<ts.SyntaxKind, (a: number, b: number) => number> = new Map([
  [ts.SyntaxKind.PlusToken, (a: number, b: number) => a + b],
  [ts.SyntaxKind.MinusToken, (a: number, b: number) => a - b],
  [ts.SyntaxKind.AsteriskToken, (a: number, b: number) => a * b],
  [ts.SyntaxKind.SlashToken, (a: number, b: number) => a / b],
  [ts.SyntaxKind.PercentToken, (a: number, b: number) => a % b],
  [ts.SyntaxKind.AsteriskAsteriskToken, (a: number, b: number) => a ** b],
]);
