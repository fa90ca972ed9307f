/**
 * What the diagnostic for an unsupported construct says: the construct by name and, as data,
 * what to write instead (by statement or expression kind, and by operator). A value of type
 * `any`, which the compiler reads as a number, used as something else gets its own message.
 */
import { ts } from "ts-morph";
import type { DiagnosticCode } from "../diagnostics.js";
import { constructName } from "./syntax.js";
import { isIntegerTypedArray } from "./types.js";

export interface Explanation {
  code: DiagnosticCode;
  message: string;
  hint: string;
}

const defaultHint =
  "rewrite this part with the supported language (see the README), or move it out of the differentiable function";

/** What to write instead of a statement or expression, by kind. */
const hintsByKind: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.SwitchStatement]: "write it as if / else if / else",
  [ts.SyntaxKind.ThrowStatement]:
    "check the input before calling the differentiable function, or return a value (NaN) for inputs it rejects",
  [ts.SyntaxKind.TryStatement]: "catch errors in the caller, around the call of the differentiable function",
  [ts.SyntaxKind.ForInStatement]: "loop over an array with for...of or a counted for loop",
  [ts.SyntaxKind.ClassDeclaration]: "declare the class at the top level of the module",
  [ts.SyntaxKind.DebuggerStatement]: "remove the debugger statement",
  [ts.SyntaxKind.WithStatement]: "name the object's fields explicitly",
  [ts.SyntaxKind.DeleteExpression]: "build a new object without the field: const { field, ...rest } = object",
  [ts.SyntaxKind.VoidExpression]: "write the expression as a statement of its own",
  [ts.SyntaxKind.NewExpression]:
    "arrays are created with new Float64Array(n), new Float32Array(n), new Array<number>(n).fill(0) or literals",
  [ts.SyntaxKind.ArrayLiteralExpression]: "list the elements ([a, b, c]), or fill a new array in a loop",
  [ts.SyntaxKind.ElementAccessExpression]:
    "index numeric arrays only: number[], Float64Array, Float32Array, tuples of numbers and arrays of those",
  [ts.SyntaxKind.PropertyAccessExpression]:
    "read fields of objects, .length of arrays and the Math constants; compute other values outside and pass them in",
  [ts.SyntaxKind.ArrowFunction]: "declare the function at the top level of the module and call it by name",
  [ts.SyntaxKind.FunctionExpression]: "declare the function at the top level of the module and call it by name",
  [ts.SyntaxKind.TaggedTemplateExpression]: "build the string outside the differentiable function",
  [ts.SyntaxKind.RegularExpressionLiteral]: "work with the string outside the differentiable function",
  [ts.SyntaxKind.BigIntLiteral]: "use numbers: bigints have no derivative",
  [ts.SyntaxKind.SpreadElement]: "list the elements or arguments one by one",
  [ts.SyntaxKind.ObjectBindingPattern]: "destructure objects only, into plain names (no defaults or rest)",
  [ts.SyntaxKind.ArrayBindingPattern]: "destructure arrays only, into plain names (no defaults or rest)",
  [ts.SyntaxKind.BindingElement]: "destructure into plain names, without defaults or rest elements",
  [ts.SyntaxKind.ShorthandPropertyAssignment]: "write the field as name: value",
  [ts.SyntaxKind.MethodDeclaration]: "declare the function at the top level and store numbers in the object",
  [ts.SyntaxKind.GetAccessor]: "compute the value into a field, or call a top-level function",
  [ts.SyntaxKind.SetAccessor]: "build a new object with the field set",
};

const bitwise = "bit operations have no derivative: use Math.floor, Math.trunc and arithmetic";

/** What to write instead of an operator, by operator. */
const hintsByOperator: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.QuestionQuestionToken]:
    "give the value its default before the call (the compiler has no undefined values), or choose with a ternary on a boolean",
  [ts.SyntaxKind.QuestionQuestionEqualsToken]: "assign the default before the call",
  [ts.SyntaxKind.AmpersandAmpersandEqualsToken]: "write it as an if statement",
  [ts.SyntaxKind.BarBarEqualsToken]: "write it as an if statement",
  [ts.SyntaxKind.InstanceOfKeyword]:
    "tell the kinds apart with typeof (decided at compile time, see the README's type guards), or write one helper per type",
  [ts.SyntaxKind.InKeyword]: "the compiler knows each object's fields: read the field directly",
  [ts.SyntaxKind.CommaToken]: "write each expression as a statement of its own",
  [ts.SyntaxKind.AmpersandToken]: bitwise,
  [ts.SyntaxKind.BarToken]: bitwise,
  [ts.SyntaxKind.CaretToken]: bitwise,
  [ts.SyntaxKind.TildeToken]: bitwise,
  [ts.SyntaxKind.LessThanLessThanToken]: bitwise,
  [ts.SyntaxKind.GreaterThanGreaterThanToken]: bitwise,
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: bitwise,
  [ts.SyntaxKind.AmpersandEqualsToken]: bitwise,
  [ts.SyntaxKind.BarEqualsToken]: bitwise,
  [ts.SyntaxKind.CaretEqualsToken]: bitwise,
  [ts.SyntaxKind.LessThanLessThanEqualsToken]: bitwise,
  [ts.SyntaxKind.GreaterThanGreaterThanEqualsToken]: bitwise,
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: bitwise,
};

/** The operator of a binary, prefix or postfix expression. */
function operatorOf(node: ts.Node): ts.SyntaxKind | undefined {
  if (ts.isBinaryExpression(node)) return node.operatorToken.kind;
  if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) return node.operator;
  return undefined;
}

/** The operand an `any` value would be used through: what is indexed, read or called. */
function usedValue(node: ts.Node): ts.Expression | undefined {
  if (ts.isElementAccessExpression(node) || ts.isPropertyAccessExpression(node) || ts.isCallExpression(node))
    return node.expression;
  return undefined;
}

/** Why `node` is not supported, and what to do instead. */
export function explainUnsupported(checker: ts.TypeChecker, node: ts.Node, isStatement: boolean): Explanation {
  const used = usedValue(node);
  if (used && checker.getTypeAtLocation(used).flags & ts.TypeFlags.Any) {
    return {
      code: "AD1009",
      message: `'${used.getText()}' has type 'any', which the compiler reads as a number, and is used here as an array, an object or a function`,
      hint: "declare its type (number[], Float64Array, an interface of numbers): 'any' is supported where every use is numeric",
    };
  }
  if (ts.isCallExpression(node) && node.arguments.some((argument) => ts.isSpreadElement(argument))) {
    return {
      code: "AD1004",
      message: "spread arguments ('f(...args)') are not supported yet",
      hint: "pass the arguments one by one",
    };
  }
  if (node.kind === ts.SyntaxKind.NullKeyword) {
    return {
      code: "AD1004",
      message:
        "'null' is not a value differentiable code can compute with: the compiler has numbers, arrays and objects, never null (a function returning null on some path, as a matrix inverse of a singular matrix does)",
      hint: "return a value of the function's type on every path (check for the special case before the call, or give a default)",
    };
  }
  if (ts.isTypeOfExpression(node)) {
    const operand = node.expression.getText();
    return {
      code: "AD1004",
      message: `'typeof ${operand}' is known only when the code runs: the compiler decides typeof for variables and fields whose kind it knows, and '${operand}' has type '${checker.typeToString(checker.getTypeAtLocation(node.expression))}'`,
      hint: "declare the value's type (a number, an array, an object), or test it before calling the differentiable function",
    };
  }
  if (ts.isArrayLiteralExpression(node) && node.elements.some((element) => ts.isSpreadElement(element))) {
    return {
      code: "AD1004",
      message: "spreading an array into an array literal ('[a, ...xs]') is not supported yet",
      hint: "copy with xs.slice(), or fill a new array in a loop",
    };
  }
  if (ts.isElementAccessExpression(node) || ts.isPropertyAccessExpression(node)) {
    const type = checker.typeToString(checker.getTypeAtLocation(node.expression));
    const what = ts.isElementAccessExpression(node)
      ? `indexing '${node.expression.getText()}', of type '${type}',`
      : `reading '${node.name.text}' of '${node.expression.getText()}', of type '${type}',`;
    return { code: "AD1004", message: `${what} is not supported yet`, hint: hintsByKind[node.kind] ?? defaultHint };
  }
  const operator = operatorOf(node);
  const construct = operator === undefined ? constructName(node.kind) : `'${ts.tokenToString(operator)}' operators`;
  return {
    code: isStatement ? "AD1003" : "AD1004",
    message: `${construct} are not supported in differentiable functions yet`,
    hint: (operator === undefined ? hintsByKind[node.kind] : hintsByOperator[operator]) ?? defaultHint,
  };
}

const typesHint =
  "differentiable functions take numbers, numeric arrays (number[], Float64Array, Float32Array, ArrayLike<number>, unions of those, and arrays of those), objects with such fields, and booleans and strings that are not differentiated";

/** Why a type is not supported, as a clause following "has type 'T', which", and what to do. */
export function explainType(checker: ts.TypeChecker, type: ts.Type): { why: string; hint: string } {
  if (type.getCallSignatures().length > 0) {
    return {
      why: "is a function type: which function a value of it holds is known only when the code runs",
      hint: "call the function by name inside the differentiable function, or pass in the numbers it computes",
    };
  }
  if (type.isUnion() && type.types.some((t) => t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))) {
    return {
      why: "may be undefined or null: the compiler has no undefined values",
      hint: "give it a value before the call (its default), and declare it without undefined",
    };
  }
  if (isIntegerTypedArray(type)) {
    return {
      why: "is an integer typed array (the compiler reads arrays of numbers: number[], Float64Array, Float32Array)",
      hint: "keep integers such as indices in a number[] or a Float64Array (a parameter: readonly number[], with Array.from(indices) at the call)",
    };
  }
  if (type.isUnion() && type.types.some((t) => t.getSymbol()?.getName() === "Float32Array")) {
    return {
      why: "mixes Float32Array, which rounds what is written into it to single precision, with other kinds",
      hint: "declare one kind of array for it: Float32Array, or number[] | Float64Array",
    };
  }
  if (type.isUnion() && !(type.flags & ts.TypeFlags.Boolean)) {
    return {
      why: "mixes kinds of values, and which one it holds is known only when the code runs",
      hint: "write one function per kind, or overloads whose implementation takes one kind (unions of numeric array types are supported)",
    };
  }
  if (type.flags & ts.TypeFlags.BigIntLike)
    return { why: "is not supported", hint: "use numbers: bigints have no derivative" };
  if (checker.isArrayType(type)) {
    return {
      why: "is an array whose elements are not numbers, numeric arrays or objects of numbers",
      hint: "pass the numbers as a numeric array, and keep other data outside the differentiable function",
    };
  }
  return { why: "is not supported yet", hint: typesHint };
}
