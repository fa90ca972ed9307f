/**
 * Lowers one `@differentiable` function from the TypeScript AST to IR.
 *
 * Accepts the language the README's "What you write" documents: numbers (including `int`),
 * booleans, strings, numeric arrays, objects and class instances of those, as parameters and
 * locals; statements and expressions with JavaScript's evaluation order; calls of helpers,
 * methods, closures and other function values known at compile time (inlined), of functions
 * with a derivative rule or recursive differentiable functions (kept as calls), and of global
 * functions the compiler does not differentiate; the JavaScript of packages behind their
 * typings. Anything else is a diagnostic naming the construct and a fix.
 *
 * Guarantees: the IR holds only primitives of the rule table, `const`/`bool`/`string`/`undef`,
 * `if`, `for`, `array.get`, `array.length`, `call` and `template`. Compound assignment, `++`,
 * ternaries and early returns are gone:
 * - a counted loop is a `for` op whose region takes the counter and the variables the body
 *   assigns, and yields their values for the next iteration;
 * - every variable is renamed into SSA values (one per assignment); an `if` statement yields
 *   the variables it assigns, which become the results of its `if` op;
 * - a ternary is an `if` op with one result;
 * - `&&` / `||` are strict `and` / `or` ops when their right side is pure, `if` ops otherwise;
 * - an `if` statement containing a `return` takes the statements after it into its branches
 *   (they are lowered once per branch that can reach them), so the function body ends in one
 *   value: the function's region yields the returned value.
 *
 * This file lowers the function's parameters and body; the constructs have modules of their
 * own, sharing one LoweringContext (context.ts): statements.ts, control-flow.ts (if and the
 * branches of early returns), loops.ts and loop-analysis.ts, expressions.ts, calls.ts (with the
 * inlining of helpers), arrays.ts and objects.ts, and the files of single constructs
 * (switch.ts, throw.ts, conditional-values.ts, parameters.ts, ...); syntax.ts asks questions of
 * the AST alone.
 */
import { ts } from "ts-morph";
import type { IRFunction, Param } from "../ir/types.js";
import type { DifferentiableFunction } from "./annotations.js";
import { rejectPrivateFields, selfParams } from "./classes.js";
import { LoweringContext, type Outcome } from "./context.js";
import type { DerivativeRule, ExternalReference } from "./derivatives.js";
import { lowerExpression } from "./expressions.js";
import { checkScratchArrays } from "./modules.js";
import { bindPattern, makeObject, objectParam } from "./objects.js";
import { checkRestParameter, parameterDefault, parameterName } from "./parameters.js";
import { startRecovery, throwRecovered } from "./recovery.js";
import { lowerStatements } from "./statements.js";
import { takesDerivatives } from "./nested-derivatives.js";
import type { Specialisation } from "./package-recursion.js";

export class FunctionLowering {
  private readonly cx: LoweringContext;
  /** Functions of the user's program that the generated code calls, and how it reaches them. */
  readonly references: ExternalReference[];

  constructor(
    checker: ts.TypeChecker,
    sourceFile: ts.SourceFile,
    private readonly fn: DifferentiableFunction,
    rules: ReadonlyMap<ts.Symbol, DerivativeRule> = new Map(),
  ) {
    this.cx = new LoweringContext(checker, sourceFile, fn, rules);
    this.references = this.cx.references;
  }

  /** The copies of recursive package functions the function calls (see package-recursion.ts). */
  get specialisedCopies(): readonly Specialisation[] {
    return this.cx.specialisedCopies?.list ?? [];
  }

  /** True when the function takes derivatives itself (`grad(f)(x)`, see nested-derivatives.ts). */
  get takesDerivatives(): boolean {
    return takesDerivatives(this.cx);
  }

  lower(): IRFunction {
    const cx = this.cx;
    const node = this.fn.node;
    const asyncKeyword = ts.getModifiers(node)?.find((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
    if (node.asteriskToken || asyncKeyword) {
      cx.fail(
        node.asteriskToken ?? asyncKeyword!,
        "AD1008",
        `'${this.fn.name}' is ${node.asteriskToken ? "a generator" : "async"} and cannot be differentiated`,
        "differentiate a plain synchronous function and call it from the generator or async code",
      );
    }
    const params = lowerParams(cx);
    const signature = cx.checker.getSignatureFromDeclaration(node)!;
    const returnType = cx.checker.getReturnTypeOfSignature(signature);
    const returnsArray = cx.arrayKind(returnType);
    if (cx.types.isObject(returnType))
      rejectPrivateFields(cx, node.type ?? node, returnType, `the result of '${this.fn.name}'`);
    const returnsObject = cx.types.isObject(returnType) ? cx.types.objectTypeText(returnType) : undefined;
    if (cx.irType(returnType) !== "number" && !returnsArray && !returnsObject) {
      cx.fail(
        node.type ?? node,
        "AD1009",
        `'${this.fn.name}' returns '${cx.checker.typeToString(returnType)}'; only functions returning a number, a numeric array or an object are supported yet`,
        "return a single number (for example a loss), an array of numbers, or an object of those",
      );
    }
    cx.returnType = returnsArray ? "array" : returnsObject ? "object" : "number";
    for (const p of node.parameters) checkRestParameter(cx, p, cx.returnType === "number");
    const body = node.body!;
    let result: Outcome;
    startRecovery(cx);
    try {
      if (ts.isBlock(body)) {
        result = lowerStatements(cx, body.statements);
      } else {
        cx.builder.loc = cx.location(body);
        result = cx.expectType(body, lowerExpression(cx, body), cx.returnType);
      }
    } catch (error) {
      throwRecovered(cx, error);
    }
    throwRecovered(cx);
    if (result === "throws") {
      cx.fail(
        cx.nameNode(),
        "AD1003",
        `'${this.fn.name}' throws on every path, so it has no value to differentiate`,
        "differentiate the function that computes the value, and throw outside it",
      );
    }
    if (typeof result !== "object") throw new Error(`not every path of '${this.fn.name}' returns a value`);
    checkScratchArrays(cx);
    cx.builder.region.yields = [result];
    const fn: IRFunction = { name: this.fn.name, params, body: cx.builder.region, loc: cx.location(node) };
    if (returnsArray) fn.returnsArray = returnsArray;
    if (returnsObject) fn.returnsObject = returnsObject;
    return fn;
  }
}

/** The IR parameters of the function's parameters, checked against its wrt list. */
function lowerParams(cx: LoweringContext): Param[] {
  const wrt = cx.fn.wrt?.map((entry) => entry.name);
  const params = [...selfParams(cx, wrt), ...cx.fn.node.parameters.flatMap((p) => lowerParam(cx, p, wrt))];
  for (const { name, position } of cx.fn.wrt ?? []) {
    if (!params.some((p) => (p.field?.param ?? p.value.name) === name)) {
      cx.failAt(
        position,
        "AD1010",
        `wrt names '${name}', which is not a parameter of '${cx.fn.name}'`,
        "name parameters of the function",
      );
    }
  }
  if (!params.some((p) => p.differentiated)) {
    cx.fail(
      cx.nameNode(),
      "AD1010",
      `'${cx.fn.name}' has no number parameter to differentiate`,
      "add a number or array parameter, or remove @differentiable",
    );
  }
  return params;
}

/** One parameter: one IR parameter, or one per leaf of an object parameter (see objectParam). */
function lowerParam(cx: LoweringContext, p: ts.ParameterDeclaration, wrt: string[] | undefined): Param[] {
  const defaultText = parameterDefault(cx, p);
  const name = parameterName(p);
  const isInt =
    p.type !== undefined && ts.isTypeReferenceNode(p.type) && p.type.typeName.getText(cx.sourceFile) === "int";
  // An optional parameter is its default's type in the gradient function (see parameters.ts).
  const paramType = cx.checker.getNonNullableType(cx.checker.getTypeAtLocation(p));
  const irType = cx.irType(paramType);
  const type = irType && irType !== "void" ? irType : cx.rejectType(p, `parameter '${name}'`);
  if (type === "object") {
    const params = objectParam(cx, p, name, paramType, wrt ? wrt.includes(name) : undefined);
    if (!ts.isIdentifier(p.name)) {
      bindPattern(cx, p.name, makeObject(cx, new Map(params.map((leaf) => [leaf.field!.path, leaf.value]))));
    }
    return params;
  }
  const value = cx.values.value(type, name);
  if (ts.isIdentifier(p.name)) cx.env.set(cx.symbolOf(p.name), value);
  if (isInt && ts.isIdentifier(p.name)) cx.integerSymbols.add(cx.symbolOf(p.name));
  const shape = type === "array" ? cx.types.arrayShape(paramType) : undefined;
  if (shape) cx.parameterArrays.add(value);
  const differentiable = (type === "number" && !isInt) || type === "array";
  const differentiated = wrt ? wrt.includes(name) : differentiable;
  if (differentiated && !differentiable) {
    cx.fail(
      p,
      "AD1010",
      `cannot differentiate with respect to '${name}': its type is ${isInt ? "int" : type}`,
      "name only number and array parameters in wrt; int marks sizes, counts and indices, which have no derivative",
    );
  }
  // An array of objects is written structurally: the generated module does not import types.
  const typeText = shape?.elementFields
    ? shape.typeText
    : type === "array"
      ? cx.types.parameterArrayText(p.type!, paramType)
      : type;
  if (!ts.isIdentifier(p.name)) bindPattern(cx, p.name, value);
  return [
    {
      value,
      typeText,
      differentiated,
      ...(isInt ? { integer: true } : {}),
      ...(shape?.arrayKind ? { arrayKind: shape.arrayKind } : {}),
      ...(shape?.rowKind ? { rowKind: shape.rowKind } : {}),
      ...(shape?.elementFields ? { elementFields: shape.elementFields } : {}),
      ...(defaultText !== undefined ? { defaultText } : {}),
      ...(p.dotDotDotToken ? { rest: true } : {}),
    },
  ];
}
