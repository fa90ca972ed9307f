/**
 * Functions that return `null` on a path where they otherwise return an array or an object
 * (gl-matrix's `mat4.invert` and `mat3.normalFromMat4` return null for a singular matrix): the
 * compiler has no null, and what the source does with a null depends on the caller. Where the
 * caller uses the result (passes it on, indexes it, asserts it with `!`, or throws when it is
 * null: `if (!inverse) throw ...`), the source fails on that path (reading `null[0]` is a
 * TypeError) or throws itself, so the generated code throws there too: `return null` is kept
 * as a `throw new TypeError(...)` in the forward sweep, like a `throw` statement (throw.ts),
 * and the other paths go on with the value they return, which is then never null.
 *
 * Where the source would go on after the null, the generated code could not do the same, so
 * these are diagnostics: a null where a number is returned otherwise (arithmetic reads it as
 * 0), a call whose result is ignored (`mat4.invert(out, m);`: the source
 * goes on with `out` as it was), a result tested for null on a path that does not throw
 * (`if (!inverse) return 0;`), and a null returned by the differentiable function itself.
 */
import { ts } from "ts-morph";
import type { Type } from "../ir/types.js";
import type { LoweringContext, Outcome } from "./context.js";
import { inlinedCalls } from "./inlined-calls.js";
import { outermostWrapper, skipParentheses } from "./syntax.js";

/** `return null` in an inlined function whose result is used: a throw; undefined for other returns. */
export function lowerNullReturn(cx: LoweringContext, statement: ts.ReturnStatement): Outcome {
  if (!statement.expression || skipParentheses(statement.expression).kind !== ts.SyntaxKind.NullKeyword)
    return undefined;
  const calls = inlinedCalls(cx);
  const innermost = calls.at(-1);
  // Only a function inlined at a call (its own body, not a closure inside it).
  if (!innermost || innermost.callee !== cx.owner() || cx.loops.length > 0) return undefined;
  const name = innermost.call.expression.getText(innermost.call.getSourceFile());
  if (cx.returnType !== "array" && cx.returnType !== "object") {
    return cx.fail(
      statement,
      "AD1004",
      `'${name}' returns null on this path where it otherwise returns ${cx.returnType === "number" ? "a number" : `a ${cx.returnType}`}: the source goes on with it (arithmetic reads null as 0), which the compiler, having no null, cannot follow`,
      "return a number on every path (NaN for no result), or test for the special case before the call",
    );
  }
  checkResultUse(cx, statement, name);
  cx.builder.op({
    opcode: "call",
    operands: [cx.builder.emit("string", [], "string", { value: `${name} returned null` })],
    attrs: { callee: "TypeError", throws: true },
    loc: cx.pointAt(statement),
  });
  return "throws";
}

/** Where the result of the call that returns null goes: up through calls that return it. */
function checkResultUse(cx: LoweringContext, statement: ts.ReturnStatement, name: string): void {
  const calls = inlinedCalls(cx);
  for (let k = calls.length - 1; k >= 0; k--) {
    const call = calls[k]!.call;
    const node = outermostWrapper(call);
    const parent = node.parent;
    // Returned by the function whose call is next (an arrow's expression body returns too).
    const outer = calls[k - 1];
    if (outer && ts.isReturnStatement(parent) && enclosingFunction(parent) === outer.callee) continue;
    if (outer && ts.isArrowFunction(parent) && parent.body === node && parent === outer.callee) continue;
    if (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent) || ts.isReturnStatement(parent)) {
      const why = ts.isReturnStatement(parent)
        ? `'${cx.fn.name}' would return that null`
        : "its result is not used: the source then goes on with the arrays it gave the call as they were";
      return cx.fail(
        statement,
        "AD1004",
        `'${name}' returns null on this path, and ${why}, which the compiler, having no null, cannot follow`,
        `use the call's result (const result = ${name}(...)!), so that the gradient throws where the source would fail, or test the input before the call`,
      );
    }
    if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isIdentifier(parent.name)) {
      checkNullTests(cx, statement, name, parent.name);
      checkReadAtOnce(cx, statement, name, parent.name);
    }
    return;
  }
}

/**
 * Rejects a variable holding the result that the statement after its declaration does not
 * read whenever it runs: the generated code throws where the call returns null, which is where
 * the source fails only if it goes on to read the null (`if (y > 5) return r![0];` reads it on
 * one path only).
 */
function checkReadAtOnce(cx: LoweringContext, statement: ts.ReturnStatement, name: string, variable: ts.Identifier) {
  const symbol = cx.checker.getSymbolAtLocation(variable);
  const declaration = ts.findAncestor(variable, ts.isVariableStatement);
  const block = declaration?.parent;
  const statements = block && (ts.isBlock(block) || ts.isSourceFile(block)) ? block.statements : undefined;
  const next = statements?.[statements.indexOf(declaration!) + 1];
  const evaluated = next && (ts.isIfStatement(next) ? next.expression : next);
  const readsAtOnce =
    evaluated !== undefined &&
    (ts.isExpression(evaluated) ||
      ts.isExpressionStatement(evaluated) ||
      ts.isVariableStatement(evaluated) ||
      ts.isReturnStatement(evaluated)) &&
    readsUnconditionally(cx, evaluated, symbol);
  if (readsAtOnce) return;
  cx.fail(
    statement,
    "AD1004",
    `'${name}' returns null on this path, and '${variable.text}' is not read by the statement after it whenever that runs: the generated code throws where the call returns null, where the source may go on`,
    `read the result at once (const value = ${variable.text}![0]), or test the input before the call`,
  );
}

/** Whether `node` reads `symbol` wherever it is evaluated: not only in one arm of a `?:`, on the
 * right of `&&`, `||` or `??`, or in a function it makes. */
function readsUnconditionally(cx: LoweringContext, node: ts.Node, symbol: ts.Symbol | undefined): boolean {
  if (ts.isIdentifier(node)) return cx.checker.getSymbolAtLocation(node) === symbol;
  if (ts.isFunctionLike(node)) return false;
  if (ts.isConditionalExpression(node)) return readsUnconditionally(cx, node.condition, symbol);
  if (ts.isBinaryExpression(node) && logicalOperators.has(node.operatorToken.kind))
    return readsUnconditionally(cx, node.left, symbol);
  return ts.forEachChild(node, (child) => readsUnconditionally(cx, child, symbol) || undefined) ?? false;
}

const logicalOperators: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken,
]);

function enclosingFunction(node: ts.Node): ts.Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isFunctionLike(n)) return n;
  return undefined;
}

/**
 * Rejects a test of the variable holding the result on a path that does not throw when the
 * result is null: the generated code throws where the call returns null, so only tests that
 * throw then (`if (!inverse) throw ...`, `if (inverse === null) throw ...`) behave the same.
 */
function checkNullTests(cx: LoweringContext, statement: ts.ReturnStatement, name: string, variable: ts.Identifier) {
  const symbol = cx.checker.getSymbolAtLocation(variable);
  const scope = enclosingFunction(variable);
  if (!symbol || !scope) return;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node !== variable && cx.checker.getSymbolAtLocation(node) === symbol) {
      const test = nullTest(node);
      if (test && !throwsWhenNull(test)) {
        const { line } = node.getSourceFile().getLineAndCharacterOfPosition(node.getStart());
        cx.fail(
          statement,
          "AD1004",
          `'${name}' returns null on this path, and '${variable.text}' is tested for null on line ${line + 1} by code that goes on: the generated code throws where the call returns null, so it would not take that path`,
          `throw when it is null (if (!${variable.text}) throw new Error("...")), or test the input before the call`,
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
}

/** The test of a value for null or truthiness a read of it is part of; undefined for other reads. */
function nullTest(read: ts.Identifier): { test: ts.Expression; whenNull: boolean } | undefined {
  let node: ts.Expression = read;
  while (ts.isParenthesizedExpression(node.parent) || ts.isNonNullExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken)
    return { test: parent, whenNull: true };
  if (ts.isBinaryExpression(parent)) {
    const other = parent.left === node ? parent.right : parent.left;
    const absent = other.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(other) && other.text === "undefined");
    const operator = parent.operatorToken.kind;
    if (absent && (operator === ts.SyntaxKind.EqualsEqualsToken || operator === ts.SyntaxKind.EqualsEqualsEqualsToken))
      return { test: parent, whenNull: true };
    if (
      absent &&
      (operator === ts.SyntaxKind.ExclamationEqualsToken || operator === ts.SyntaxKind.ExclamationEqualsEqualsToken)
    )
      return { test: parent, whenNull: false };
    if (parent.left === node && testingOperators.has(operator)) return { test: parent, whenNull: false };
  }
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.questionDotToken)
    return { test: parent, whenNull: false };
  if (
    (ts.isIfStatement(parent) || ts.isConditionalExpression(parent) || ts.isWhileStatement(parent)) &&
    isConditionOf(parent, node)
  )
    return { test: node, whenNull: false };
  return undefined;
}

/** Operators that test their left operand for null or truthiness. */
const testingOperators: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken,
]);

function isConditionOf(statement: ts.IfStatement | ts.ConditionalExpression | ts.WhileStatement, node: ts.Node) {
  return (ts.isConditionalExpression(statement) ? statement.condition : statement.expression) === node;
}

/** `if (<test>) throw ...` where the test holds for null (or `else throw` where it does not). */
function throwsWhenNull({ test, whenNull }: { test: ts.Expression; whenNull: boolean }): boolean {
  const statement = test.parent;
  if (!ts.isIfStatement(statement) || statement.expression !== test) return false;
  const taken = whenNull ? statement.thenStatement : statement.elseStatement;
  const [only] = taken && ts.isBlock(taken) ? taken.statements : taken ? [taken] : [];
  return only !== undefined && ts.isThrowStatement(only);
}

/**
 * The IR type of a variable declared without a type and initialized by a call whose type
 * includes null (`const inverse = mat4.invert(out, m)`, of type `mat4 | null`): what the call
 * returns when it does not throw, since its null paths throw (see lowerNullReturn); undefined
 * for other variables. Only null: an `undefined` result (`xs.find(f)`) is a value the
 * compiler's NaN stands for, which a test for undefined would not see.
 */
export function nonNullResultType(cx: LoweringContext, name: ts.Identifier): Type | undefined {
  const declaration = name.parent;
  if (!ts.isVariableDeclaration(declaration) || declaration.type || !declaration.initializer) return undefined;
  if (!ts.isCallExpression(skipParentheses(declaration.initializer))) return undefined;
  return nonNullType(cx, cx.checker.getTypeAtLocation(name));
}

/** The IR type of `T` for a type `T | null` (what a function returning null on a path returns
 * on the others); undefined for other types. */
export function nonNullType(cx: LoweringContext, type: ts.Type): Type | undefined {
  if (!type.isUnion()) return undefined;
  const absent = type.types.filter((t) => t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined));
  if (absent.length !== 1 || !(absent[0]!.flags & ts.TypeFlags.Null)) return undefined;
  const irType = cx.irType(cx.checker.getNonNullableType(type));
  return irType && irType !== "void" ? irType : undefined;
}
