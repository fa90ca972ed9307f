/**
 * Expressions: literals, variables, unary and binary operators, `&&` and `||`, ternaries,
 * assignments (which rebind the variable to a new SSA value), property reads and templates.
 * Calls, arrays and objects have modules of their own.
 */
import { lowerEnvironmentPresence } from "./environment-globals.js";
import { ts } from "ts-morph";
import { emptyRegion } from "../ir/builder.js";
import type { Value } from "../ir/types.js";
import { mathConstants } from "../rules/primitives.js";
import { lowerNewOfChosenArray } from "./array-constructors.js";
import { lowerSpreadArrayLiteral } from "./array-methods.js";
import { matrixRowLength } from "./matrices.js";
import { arrayLength } from "./object-arrays.js";
import { lowerArrayLiteral, lowerElementAccess, lowerNewArray, writeElement } from "./arrays.js";
import { lowerCall, rejectDynamicCode } from "./calls.js";
import { lowerClassProperty, lowerInstanceof, lowerNew, lowerThis } from "./classes.js";
import type { LoweringContext } from "./context.js";
import { chooseArm, lowerArm, lowerComma, lowerNumericLogical } from "./conditional-values.js";
import { assignedSlots, constantCondition } from "./control-flow.js";
import { moduleConstant, moduleMemberConstant } from "./modules.js";
import { lowerNumberConstant } from "./number-constants.js";
import { isFunctionValued, lowerUndefinedTest, rejectFunctionValue } from "./functions.js";
import { field, lowerObjectLiteral, writeField } from "./objects.js";
import { lowerFieldDefault } from "./defaults.js";
import { knownCondition } from "./guards.js";
import { lowerTypeof, lowerTypeofComparison } from "./typeof-guards.js";
import { arithmeticOperators, comparisons, compoundAssignments, logicalOperators, skipParentheses } from "./syntax.js";
import { rejectOmittedRead } from "./omitted-parameters.js";
import { lowerUntypedField } from "./untyped-fields.js";
import { numericOperand } from "./boolean-arithmetic.js";
import { foldStringComparison, lowerDefinedTest, stringConstant } from "./string-values.js";
import { lowerArgumentsRead } from "./arguments-object.js";
import { foldConstantEquality } from "./constant-equalities.js";

/** A condition: a boolean, or a number tested for truthiness. */
export function lowerCondition(cx: LoweringContext, expression: ts.Expression): Value {
  // truthy(a && b) is truthy(a) && truthy(b), whatever the operands' types: no value is chosen.
  const inner = skipParentheses(expression);
  if (ts.isBinaryExpression(inner) && logicalOperators.has(inner.operatorToken.kind)) {
    return lowerLogicalCondition(cx, inner);
  }
  const present = lowerEnvironmentPresence(cx, inner);
  if (present) return present;
  const value = lowerExpression(cx, expression);
  if (value.type === "boolean") return value;
  if (value.type === "number") return cx.builder.emit("truthy", [value], "boolean");
  return cx.unsupported(expression);
}

export function lowerNumber(cx: LoweringContext, expression: ts.Expression): Value {
  return cx.expectType(expression, lowerExpression(cx, expression), "number");
}

export function lowerExpression(cx: LoweringContext, expression: ts.Expression): Value {
  const b = cx.builder;
  if (ts.isNumericLiteral(expression)) return b.constant(Number(expression.text), expression.getText(cx.sourceFile));
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) {
    return stringConstant(cx, expression.text);
  }
  if (expression.kind === ts.SyntaxKind.TrueKeyword || expression.kind === ts.SyntaxKind.FalseKeyword) {
    return cx.boolean(expression.kind === ts.SyntaxKind.TrueKeyword);
  }
  if (
    ts.isParenthesizedExpression(expression) ||
    ts.isAsExpression(expression) ||
    ts.isNonNullExpression(expression) ||
    ts.isSatisfiesExpression(expression) ||
    ts.isTypeAssertionExpression(expression)
  ) {
    return lowerExpression(cx, expression.expression);
  }
  if (isFunctionValued(cx, expression)) return rejectFunctionValue(cx, expression);
  const decided = lowerUndefinedTest(cx, expression);
  if (decided) return decided;
  const fromArguments = lowerArgumentsRead(cx, expression);
  if (fromArguments) return fromArguments;
  if (ts.isIdentifier(expression)) return lowerIdentifier(cx, expression);
  if (expression.kind === ts.SyntaxKind.ThisKeyword) return lowerThis(cx, expression);
  if (ts.isPrefixUnaryExpression(expression)) return lowerPrefix(cx, expression);
  if (ts.isPostfixUnaryExpression(expression))
    return lowerIncrement(cx, expression, expression.operand, expression.operator, false);
  if (ts.isBinaryExpression(expression)) return lowerBinary(cx, expression);
  if (ts.isConditionalExpression(expression)) return lowerConditional(cx, expression);
  if (ts.isCallExpression(expression))
    return lowerCall(cx, expression) ?? cx.rejectType(expression, "the call's result");
  if (ts.isPropertyAccessExpression(expression)) return lowerPropertyAccess(cx, expression);
  if (ts.isElementAccessExpression(expression)) return lowerElementAccess(cx, expression);
  if (ts.isObjectLiteralExpression(expression)) return lowerObjectLiteral(cx, expression);
  if (ts.isTypeOfExpression(expression)) return lowerTypeof(cx, expression);
  if (ts.isTemplateExpression(expression)) {
    const operands = expression.templateSpans.map((span) => lowerExpression(cx, span.expression));
    const quasis = [
      expression.head.rawText ?? expression.head.text,
      ...expression.templateSpans.map((s) => s.literal.rawText ?? s.literal.text),
    ];
    return template(cx, expression, operands, quasis);
  }
  if (ts.isNewExpression(expression)) {
    if (ts.isIdentifier(expression.expression) && expression.expression.text === "Function") {
      rejectDynamicCode(cx, expression, "Function");
    }
    const array = lowerNewArray(cx, expression) ?? lowerNewOfChosenArray(cx, expression) ?? lowerNew(cx, expression);
    if (array) return array;
  }
  if (ts.isArrayLiteralExpression(expression) && expression.elements.every((e) => !ts.isSpreadElement(e))) {
    return lowerArrayLiteral(cx, expression);
  }
  if (ts.isArrayLiteralExpression(expression)) return lowerSpreadArrayLiteral(cx, expression);
  return cx.unsupported(expression);
}

/** A string built from `operands` between the `quasis`: a template literal, or `+` of a string. */
function template(cx: LoweringContext, node: ts.Node, operands: Value[], quasis: string[]): Value {
  return cx.emitOp({
    opcode: "template",
    operands,
    results: [{ type: "string" }],
    attrs: { quasis },
    loc: cx.pointAt(node),
  });
}

export function lowerIdentifier(cx: LoweringContext, identifier: ts.Identifier): Value {
  const symbol = cx.checker.getSymbolAtLocation(identifier);
  const bound = symbol && cx.env.get(symbol);
  if (bound) return bound;
  if (identifier.text === "NaN" || identifier.text === "Infinity") {
    return cx.builder.constant(identifier.text === "NaN" ? NaN : Infinity, identifier.text);
  }
  const constant = symbol && moduleConstant(cx, identifier, symbol);
  if (constant) return constant;
  rejectOmittedRead(cx, identifier, symbol);
  if (identifier.text === "undefined") {
    return cx.fail(
      identifier,
      "AD1004",
      "'undefined' is not a value differentiable code can compute with: the compiler decides `=== undefined` and `??` only on parameters a call leaves out and on fields of object literals",
      "give the value a default where it is created, or test for the special case before the call",
    );
  }
  return cx.fail(
    identifier,
    "AD1004",
    `'${identifier.text}' is not a parameter or local of '${cx.fn.name}'`,
    "pass the value in as a parameter; top-level `const NAME = <number>` constants can be read directly",
  );
}

function lowerPrefix(cx: LoweringContext, expression: ts.PrefixUnaryExpression): Value {
  switch (expression.operator) {
    case ts.SyntaxKind.MinusToken:
      return cx.builder.emit("neg", [lowerNumber(cx, expression.operand)], "number");
    case ts.SyntaxKind.PlusToken:
      return lowerNumber(cx, expression.operand);
    case ts.SyntaxKind.ExclamationToken:
      return cx.builder.emit("not", [lowerCondition(cx, expression.operand)], "boolean");
    case ts.SyntaxKind.PlusPlusToken:
    case ts.SyntaxKind.MinusMinusToken:
      return lowerIncrement(cx, expression, expression.operand, expression.operator, true);
    default:
      return cx.unsupported(expression);
  }
}

/** `x++`, `++x`, `x--`, `--x`: x = x ± 1; the expression is the new value (prefix) or the old one. */
function lowerIncrement(
  cx: LoweringContext,
  node: ts.Expression,
  operand: ts.Expression,
  operator: ts.SyntaxKind,
  prefix: boolean,
): Value {
  const opcode = operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub";
  if (ts.isElementAccessExpression(operand) || ts.isPropertyAccessExpression(operand)) {
    let oldValue: Value | undefined;
    const increment = (old: () => Value) => {
      oldValue = old();
      return cx.builder.emit(opcode, [oldValue, cx.builder.constant(1)], "number");
    };
    const updated = ts.isElementAccessExpression(operand)
      ? writeElement(cx, operand, increment)
      : writeField(cx, operand, increment);
    return prefix ? updated : oldValue!;
  }
  if (!ts.isIdentifier(operand)) return cx.unsupported(node);
  const symbol = cx.symbolOf(operand);
  const old = cx.expectType(operand, lowerIdentifier(cx, operand), "number");
  const updated = cx.builder.emit(opcode, [old, cx.builder.constant(1)], "number");
  updated.name = symbol.name;
  cx.env.set(symbol, updated);
  return prefix ? updated : old;
}

function lowerBinary(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  const known = knownCondition(cx, expression);
  if (known !== undefined) return cx.boolean(known);
  const operator = expression.operatorToken.kind;
  if (operator === ts.SyntaxKind.EqualsToken || compoundAssignments.has(operator))
    return lowerAssignment(cx, expression);
  if (logicalOperators.has(operator)) return lowerLogical(cx, expression);
  if (operator === ts.SyntaxKind.QuestionQuestionToken) return lowerFieldDefault(cx, expression);
  if (operator === ts.SyntaxKind.CommaToken) return lowerComma(cx, expression);
  const typeofGuard = lowerTypeofComparison(cx, expression);
  if (typeofGuard) return typeofGuard;
  if (operator === ts.SyntaxKind.InstanceOfKeyword) return lowerInstanceof(cx, expression);
  const arithmetic = arithmeticOperators.get(operator);
  const comparison = comparisons.get(operator);
  if (!arithmetic && !comparison) return cx.unsupported(expression);
  const definedTest = lowerDefinedTest(cx, expression);
  if (definedTest) return definedTest;
  const left = lowerExpression(cx, expression.left);
  const right = lowerExpression(cx, expression.right);
  if (operator === ts.SyntaxKind.PlusToken && (left.type === "string" || right.type === "string")) {
    return template(cx, expression, [left, right], ["", "", ""]);
  }
  if (comparison) {
    // Numbers, strings and booleans compare with one another as in JavaScript.
    cx.expectType(expression.right, right, left.type);
    return (
      foldStringComparison(cx, comparison, left, right) ??
      foldConstantEquality(cx, comparison, left, right) ??
      cx.builder.emit(comparison, [left, right], "boolean")
    );
  }
  const operands = [numericOperand(cx, left), numericOperand(cx, right)];
  cx.expectType(expression.left, operands[0]!, "number");
  cx.expectType(expression.right, operands[1]!, "number");
  return cx.builder.emit(arithmetic!, operands, "number");
}

function lowerAssignment(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  const target = expression.left;
  const opcode = compoundAssignments.get(expression.operatorToken.kind);
  // JavaScript reads the old value of a compound assignment before it evaluates the right side,
  // which may write the element (a closure or a method writing the array need not be given it).
  if (ts.isElementAccessExpression(target)) {
    return writeElement(cx, target, (old) => {
      const previous = opcode ? old() : undefined;
      // An element of a local array of objects is replaced by an object (see object-arrays.ts).
      const elementIsObject = !opcode && cx.irType(cx.checker.getTypeAtLocation(target)) === "object";
      const right = elementIsObject ? lowerExpression(cx, expression.right) : lowerNumber(cx, expression.right);
      return opcode && previous ? cx.builder.emit(opcode, [previous, right], "number") : right;
    });
  }
  if (ts.isPropertyAccessExpression(target)) {
    return writeField(cx, target, (old) => {
      const previous = opcode ? old() : undefined;
      const right = lowerExpression(cx, expression.right);
      return opcode && previous
        ? cx.builder.emit(opcode, [previous, cx.expectType(expression.right, right, "number")], "number")
        : right;
    });
  }
  if (!ts.isIdentifier(target)) {
    return cx.fail(
      target,
      "AD1004",
      "only local variables, fields and array elements can be assigned",
      "assign to a local variable",
    );
  }
  const symbol = cx.symbolOf(target);
  const old = opcode ? cx.expectType(target, lowerIdentifier(cx, target), "number") : undefined;
  const right = lowerExpression(cx, expression.right);
  if (!opcode || !old) {
    cx.bind(symbol, right);
    return right;
  }
  const updated = cx.builder.emit(opcode, [old, cx.expectType(expression.right, right, "number")], "number");
  cx.bind(symbol, updated);
  return updated;
}

/** `a && b`, `a || b`: a condition, or the number chosen (see lowerNumericLogical). */
function lowerLogical(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  const type = cx.irType(cx.checker.getTypeAtLocation(expression));
  if (type === "number") return lowerNumericLogical(cx, expression);
  if (type !== "boolean") {
    return cx.fail(
      expression,
      "AD1004",
      "'&&' and '||' are supported on conditions and between numbers only",
      "compare explicitly (x !== 0) or use a ternary",
    );
  }
  return lowerLogicalCondition(cx, expression);
}

/** `a && b`, `a || b` as conditions: strict `and`/`or` when `b` is pure, an `if` op otherwise. */
function lowerLogicalCondition(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  const isAnd = expression.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken;
  const left = lowerCondition(cx, expression.left);
  const known = constantCondition(cx, left);
  if (known !== undefined) return known === isAnd ? lowerCondition(cx, expression.right) : left;
  const rightArm = lowerArm(cx, () => lowerCondition(cx, expression.right));
  if (assignedSlots(cx, expression, cx.env, rightArm.env, cx.env).length > 0) {
    // The right side assigns variables: an `if` op, which yields them too.
    const shortCircuit = lowerArm(cx, () => cx.boolean(!isAnd));
    return chooseArm(cx, expression, left, isAnd ? [rightArm, shortCircuit] : [shortCircuit, rightArm], () =>
      cx.unsupported(expression),
    );
  }
  const { region: rightRegion, value: right } = rightArm;
  const pure = rightRegion.ops.every((op) => op.opcode !== "call" && op.opcode !== "if");
  if (pure) {
    cx.builder.region.ops.push(...rightRegion.ops);
    // `c && true` and `c || false` (a test of an environment object known to be there) are `c`.
    if (constantCondition(cx, right) === isAnd) return left;
    return cx.builder.emit(isAnd ? "and" : "or", [left, right], "boolean");
  }
  // The right side has effects: keep JavaScript's short-circuit as an `if`.
  rightRegion.yields = [right];
  const shortCircuit = emptyRegion();
  shortCircuit.yields = [cx.builder.inRegion(shortCircuit, () => cx.boolean(!isAnd))];
  return cx.emitOp({
    opcode: "if",
    operands: [left],
    regions: isAnd ? [rightRegion, shortCircuit] : [shortCircuit, rightRegion],
    results: [{ type: "boolean" }],
  });
}

/** `c ? a : b`: an `if` op with one result (or one per leaf, for objects). */
function lowerConditional(cx: LoweringContext, expression: ts.ConditionalExpression): Value {
  const decided = knownCondition(cx, expression.condition);
  if (decided !== undefined) return lowerExpression(cx, decided ? expression.whenTrue : expression.whenFalse);
  const condition = lowerCondition(cx, expression.condition);
  const known = constantCondition(cx, condition);
  if (known !== undefined) return lowerExpression(cx, known ? expression.whenTrue : expression.whenFalse);
  const then = lowerArm(cx, () => lowerExpression(cx, expression.whenTrue));
  const otherwise = lowerArm(cx, () => lowerExpression(cx, expression.whenFalse));
  cx.expectType(expression.whenFalse, otherwise.value, then.value.type);
  return chooseArm(cx, expression, condition, [then, otherwise], () =>
    cx.fail(
      expression,
      "AD1004",
      "a conditional expression choosing between arrays, or objects with array fields or different fields, is not supported yet",
      "choose between the elements or fields instead, or use an if statement",
    ),
  );
}

/** `xs.length`, `Math.PI`, `p.x`. */
function lowerPropertyAccess(cx: LoweringContext, expression: ts.PropertyAccessExpression): Value {
  const constant = moduleMemberConstant(cx, expression);
  if (constant) return constant;
  const rowLength = matrixRowLength(cx, expression);
  if (rowLength) return rowLength;
  if (expression.name.text === "length" && cx.irType(cx.checker.getTypeAtLocation(expression.expression)) === "array") {
    return arrayLength(cx, lowerExpression(cx, expression.expression));
  }
  if (ts.isIdentifier(expression.expression) && expression.expression.text === "Math") {
    const value = mathConstants.get(expression.name.text);
    if (value !== undefined) return cx.builder.constant(value, expression.getText(cx.sourceFile));
  }
  const numberConstant = lowerNumberConstant(cx, expression);
  if (numberConstant) return numberConstant;
  const classProperty = lowerClassProperty(cx, expression);
  if (classProperty) return classProperty;
  if (cx.irType(cx.checker.getTypeAtLocation(expression.expression)) === "object") {
    return field(cx, lowerExpression(cx, expression.expression), expression.name.text, expression.name);
  }
  const untypedField = lowerUntypedField(cx, expression);
  if (untypedField) return untypedField;
  return cx.unsupported(expression);
}
