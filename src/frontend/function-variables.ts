/**
 * Functions chosen at compile time by code that assigns them: a variable declared without a
 * value and then assigned functions (`let kernelFn;` and `kernelFn = kernels.gaussian;` in the
 * branch an option known at compile time takes, as simple-statistics' kernelDensityEstimation
 * picks its kernel), and members of module objects read with a key known at compile time
 * (`kernels[kernel]` where the call passed the string "gaussian").
 *
 * Such a variable holds the function of the last assignment lowered, as a `const f = ...` holds
 * its function. An assignment lowered in a region other than the declaration's (a branch chosen
 * when the code runs, a loop) would make which function it holds known only when the code runs:
 * a diagnostic. A test of a keyed member (`if (!kernels[kernel])`) is decided at compile time.
 */
import { ts } from "ts-morph";
import { isOp } from "../ir/attrs.js";
import type { Region } from "../ir/types.js";
import type { LoweringContext } from "./context.js";
import { functionValue, FunctionValue } from "./functions.js";
import { isUnwrittenModuleObject, memberFunction } from "./modules.js";
import { assignmentTarget, skipParentheses } from "./syntax.js";

/** The region each function variable was declared in, as its declaration was last lowered. */
const declaredIn = new WeakMap<ts.Symbol, Region>();

/**
 * `let f;` (no type, no value) whose every assignment in the function declaring it assigns a
 * function, or an untyped value, and one at least a function: declares it as a function
 * variable, which holds no function until assigned. False for other declarations.
 */
export function declaresFunctionVariable(cx: LoweringContext, declaration: ts.VariableDeclaration): boolean {
  const name = declaration.name;
  if (!ts.isIdentifier(name) || declaration.initializer || declaration.type) return false;
  if (!(cx.checker.getTypeAtLocation(name).flags & ts.TypeFlags.Any)) return false;
  const symbol = cx.symbolOf(name);
  const assigned = assignedValues(cx, symbol);
  // By the types the checker gives, whatever values the variables in them hold in this call.
  const typeOf = (value: ts.Expression) => cx.checker.getTypeAtLocation(value).getNonNullableType();
  const untyped = (value: ts.Expression) => (typeOf(value).flags & ts.TypeFlags.Any) !== 0;
  const functions = assigned.filter((value) => typeOf(value).getCallSignatures().length > 0);
  if (functions.length === 0 || !assigned.every((value) => functions.includes(value) || untyped(value))) return false;
  declaredIn.set(symbol, cx.builder.region);
  cx.functions.delete(symbol);
  return true;
}

/** The values `name = value` assigns to the variable in the function being lowered. */
function assignedValues(cx: LoweringContext, symbol: ts.Symbol): ts.Expression[] {
  const values: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    const target = assignmentTarget(node);
    if (target && ts.isIdentifier(target) && cx.checker.getSymbolAtLocation(target) === symbol)
      values.push(ts.isBinaryExpression(node) ? node.right : target);
    ts.forEachChild(node, visit);
  };
  visit(cx.owner());
  return values;
}

/** `f = g` of a function variable (see declaresFunctionVariable): from here on, f holds g.
 * False for other expressions. */
export function assignsFunctionVariable(cx: LoweringContext, expression: ts.Expression): boolean {
  if (!ts.isBinaryExpression(expression) || expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return false;
  const target = expression.left;
  const symbol = ts.isIdentifier(target) ? cx.checker.getSymbolAtLocation(target) : undefined;
  const region = symbol && declaredIn.get(symbol);
  if (!symbol || !region) return false;
  if (region !== cx.builder.region) {
    cx.fail(
      expression,
      "AD1004",
      `'${symbol.name}' is assigned a function in a branch chosen when the code runs, or in a loop: which function it holds would be known only then`,
      "call each function in the branches of the if, or compute both results and choose between the numbers",
    );
  }
  cx.functions.set(symbol, functionValue(cx, expression.right));
  return true;
}

/** `typeof f === "function"` (or `!==`, `==`, `!=`, either way round) of a variable holding a
 * function known at compile time (a callback a call passed): whether it holds; undefined for
 * other expressions. */
export function knownFunctionTypeof(
  cx: LoweringContext,
  expression: ts.BinaryExpression,
  equal: boolean,
): boolean | undefined {
  const [left, right] = [skipParentheses(expression.left), skipParentheses(expression.right)];
  const [probe, literal] = ts.isTypeOfExpression(left) ? [left, right] : [right, left];
  if (!ts.isTypeOfExpression(probe) || !ts.isStringLiteral(literal)) return undefined;
  const operand = skipParentheses(probe.expression);
  const symbol = ts.isIdentifier(operand) ? cx.checker.getSymbolAtLocation(operand) : undefined;
  if (!symbol || !cx.functions.has(symbol)) return undefined;
  return (literal.text === "function") === equal;
}

/** `object[key]` of a module object, with a key known at compile time, holding a function. */
export function keyedMemberFunction(
  cx: LoweringContext,
  access: ts.ElementAccessExpression,
): FunctionValue | undefined {
  const member = keyedMember(cx, access);
  const fn = member && memberFunction(cx, member);
  return fn && new FunctionValue(fn);
}

/** Whether `object[key]` of a module object, with a key known at compile time, is truthy: true
 * for a member holding a function, false for a key the object (and every object) lacks. */
export function knownKeyedMember(cx: LoweringContext, node: ts.Expression): boolean | undefined {
  if (!ts.isElementAccessExpression(node)) return undefined;
  const key = knownKey(cx, node.argumentExpression);
  const literal = key === undefined ? undefined : moduleObjectLiteral(cx, node.expression);
  if (key === undefined || !literal) return undefined;
  const member = keyedMember(cx, node);
  if (member) return memberFunction(cx, member) ? true : undefined;
  // A key of Object.prototype (`toString`) names a function every object has.
  return key in Object.prototype || !isUnwrittenModuleObject(cx, literal) ? undefined : false;
}

function keyedMember(cx: LoweringContext, access: ts.ElementAccessExpression): ts.Symbol | undefined {
  const key = knownKey(cx, access.argumentExpression);
  const literal = moduleObjectLiteral(cx, access.expression);
  if (key === undefined || !literal) return undefined;
  return cx.checker
    .getTypeAtLocation(literal)
    .getProperties()
    .find((member) => member.name === key && member.valueDeclaration?.parent === literal);
}

/** A string literal, or a variable holding a string known at compile time: its text. */
function knownKey(cx: LoweringContext, expression: ts.Expression): string | undefined {
  const node = skipParentheses(expression);
  if (ts.isStringLiteral(node)) return node.text;
  const symbol = ts.isIdentifier(node) ? cx.checker.getSymbolAtLocation(node) : undefined;
  const value = symbol && cx.env.get(symbol);
  const definition = value && cx.definingOp(value);
  return definition && isOp(definition, "string") ? definition.attrs.value : undefined;
}

/** The object literal a variable is declared with (`const kernels = { ... }`), when `expression` names one. */
function moduleObjectLiteral(cx: LoweringContext, expression: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const node = skipParentheses(expression);
  const declaration = ts.isIdentifier(node) ? cx.checker.getSymbolAtLocation(node)?.valueDeclaration : undefined;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const initializer = skipParentheses(declaration.initializer);
  return ts.isObjectLiteralExpression(initializer) ? initializer : undefined;
}
