/**
 * Calls: `Math` functions (primitives of the rule table), `stopGradient`, array methods,
 * methods of numbers and strings, calls of helpers (inlined), calls kept as calls because they
 * have a derivative (a `@derivative` rule, or recursion), and functions of the environment
 * (`console.log`), which the compiler does not differentiate.
 */
import { gradientFunctionName } from "../backend/naming.js";
import { ts } from "ts-morph";
import { DiagnosticError } from "../diagnostics.js";
import type { Type, Value } from "../ir/types.js";
import { primitive } from "../rules/primitives.js";
import { type DifferentiableFunction, findDifferentiableFunctions, type FunctionNode } from "./annotations.js";
import { lowerArrayMethodCall, lowerSpreadCall } from "./array-methods.js";
import { isChosenArrayVariable } from "./array-constructors.js";
import { wrappedReturnType } from "./captured-returns.js";
import { lowerArrayMethod, lowerPush } from "./arrays.js";
import { lowerNewMatrix } from "./matrices.js";
import { bindObjectArguments } from "./object-arguments.js";
import { objectArrayPaths, pushObjects } from "./object-arrays.js";
import { lowerMethodCall, lowerSuperCall } from "./classes.js";
import type { LoweringContext } from "./context.js";
import { bundledFunctionOf, bundledReturnType } from "./bundled-modules.js";
import { type ExternalReference, hasCotangent, referenceTo, resolvedSymbol } from "./derivatives.js";
import { lowerExpression, lowerNumber } from "./expressions.js";
import {
  type Argument,
  bindParameters,
  FunctionValue,
  lowerArguments,
  lowerFunctionBody,
  lowerFunctionValueCall,
} from "./functions.js";
import { untypedReturnType } from "./library.js";
import { isOtherLoadTimeInstance, lowerLoadTimeCall } from "./load-time/lookup.js";
import { moduleFunctionOf } from "./modules.js";
import { lowerPackageRecursion, rejectPackageRecursion } from "./package-recursion.js";
import { onlyArgument, stringifyingMethods } from "./syntax.js";
import { rejectUnresolvedCall } from "./unresolved-calls.js";
import { mathFunctionName } from "./math-aliases.js";
import { noteObjectArrayArguments } from "./untyped-fields.js";
import { enterInlinedCall, inlinedCalls } from "./inlined-calls.js";
import { inlinedInDerivative, lowerNestedDerivative } from "./nested-derivatives.js";
import { hostReference, isUntypedHostCall } from "./environment-globals.js";

/** What the reverse sweep calls for a call kept as a call (see derivativeOf). */
interface CallDerivative {
  name: string;
  /** "vjp": a rule taking the arguments and the cotangent; "grad": a gradient function. */
  kind: "vjp" | "grad";
  declaration: ts.FunctionLikeDeclaration;
  rule?: ts.FunctionDeclaration;
  /** For a gradient: the parameters it differentiates (all of them when undefined). */
  wrt?: DifferentiableFunction["wrt"];
}

export function rejectDynamicCode(cx: LoweringContext, node: ts.Node, name: string): never {
  return cx.fail(
    node,
    "AD1006",
    `'${name}' runs code the compiler cannot see`,
    "write the computation directly in the differentiable function",
  );
}

/** Returns the call's result, or undefined for a call returning nothing. */
export function lowerCall(cx: LoweringContext, call: ts.CallExpression): Value | undefined {
  const callee = call.expression;
  const nested = lowerNestedDerivative(cx, call, (identifier, name) => isFromPackage(cx.checker, identifier, name));
  if (nested) return nested.result;
  const throughValue = lowerFunctionValueCall(cx, call);
  if (throughValue) return throughValue.result;
  const spread = lowerSpreadCall(cx, call);
  if (spread) return spread.result;
  if (call.arguments.some((arg) => ts.isSpreadElement(arg)) && !helperOf(cx.checker, callee))
    return cx.unsupported(call);
  if (ts.isIdentifier(callee) && (callee.text === "eval" || callee.text === "Function"))
    rejectDynamicCode(cx, call, callee.text);
  const math = lowerMathCall(cx, call);
  if (math) return math;
  if (isUntypedHostCall(cx, callee)) return lowerGlobalCall(cx, call, callee.getText(cx.sourceFile));
  if (ts.isNewExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "Function") {
    rejectDynamicCode(cx, call, "Function");
  }
  if (ts.isIdentifier(callee) && isFromPackage(cx.checker, callee, "stopGradient")) {
    const argument = onlyArgument(call);
    if (!argument) return cx.unsupported(call);
    return cx.builder.emit("stop", [lowerNumber(cx, argument)], "number");
  }
  if (callee.kind === ts.SyntaxKind.SuperKeyword) return lowerSuperCall(cx, call);
  const bundled = bundledFunctionOf(cx, callee);
  if (bundled) return inlineCall(cx, call, callee.getText(cx.sourceFile), bundled);
  const method = lowerMethodCall(cx, call);
  if (method.handled) return method.value;
  const matrix = lowerNewMatrix(cx, call);
  if (matrix) return matrix;
  const arrayCreation = lowerArrayMethod(cx, call);
  if (arrayCreation) return arrayCreation;
  const arrayMethod = lowerArrayMethodCall(cx, call);
  if (arrayMethod) return arrayMethod.result;
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === "push") {
    const array = lowerExpression(cx, callee.expression);
    if (array.type === "array") return lowerPush(cx, call, callee.expression, array);
    if (objectArrayPaths(cx, callee.expression, array)) return pushObjects(cx, call, array);
  }
  const receiverType = ts.isPropertyAccessExpression(callee)
    ? cx.irType(cx.checker.getTypeAtLocation(callee.expression))
    : undefined;
  if (
    ts.isPropertyAccessExpression(callee) &&
    (receiverType === "number" || receiverType === "string" || receiverType === "boolean")
  ) {
    return lowerPrimitiveMethod(cx, call, callee, receiverType);
  }
  const calleeName = callee.getText(cx.sourceFile);
  const recursion = lowerPackageRecursion(cx, call);
  if (recursion) return recursion.result;
  const derivative = ts.isIdentifier(callee) ? derivativeOf(cx, callee) : undefined;
  if (derivative) return lowerCallWithDerivative(cx, call, callee as ts.Identifier, derivative);
  const helper = helperOf(cx.checker, callee) ?? moduleFunctionOf(cx, callee);
  if (helper) return inlineCall(cx, call, calleeName, helper);
  const loadTime = lowerLoadTimeCall(cx, call);
  if (loadTime) return loadTime.result;
  return lowerGlobalCall(cx, call, calleeName);
}

/** `Math.exp(x)` and the other Math functions of the rule table, and `Math.pow`; undefined for other calls. */
function lowerMathCall(cx: LoweringContext, call: ts.CallExpression): Value | undefined {
  const name = mathFunctionName(cx.checker, call.expression);
  if (name === undefined) return undefined;
  const p = primitive(name);
  if (p && p.syntax.kind === "call" && p.syntax.callee === `Math.${name}`) {
    const args = call.arguments.map((arg) => lowerNumber(cx, arg));
    if (typeof p.arity === "number" ? args.length !== p.arity : args.length < p.arity.atLeast)
      return cx.unsupported(call);
    return cx.builder.emit(p.name, args, "number");
  }
  if (name === "pow" && call.arguments.length === 2) {
    return cx.builder.emit(
      "pow",
      call.arguments.map((arg) => lowerNumber(cx, arg)),
      "number",
    );
  }
  return undefined;
}

/** A method of a number, string or boolean (x.toFixed(2), label.toUpperCase()): not differentiated. */
function lowerPrimitiveMethod(
  cx: LoweringContext,
  call: ts.CallExpression,
  callee: ts.PropertyAccessExpression,
  receiverType: Type,
): Value | undefined {
  const operands = [callee.expression, ...call.arguments].map((arg) => lowerExpression(cx, arg));
  const returned = cx.irType(cx.checker.getTypeAtLocation(call));
  if (returned === undefined) return cx.rejectType(call, `the result of '${callee.getText(cx.sourceFile)}'`);
  const stringifies = receiverType === "number" && stringifyingMethods.has(callee.name.text);
  return cx.builder.op({
    opcode: "call",
    operands,
    results: returned === "void" ? [] : [{ type: returned }],
    attrs: { callee: callee.name.text, method: true, ...(stringifies ? { stringifies } : {}) },
    loc: cx.pointAt(call),
  }).results[0];
}

/** A function of the environment (`console.log`, `String`): called as it is, not differentiated. */
function lowerGlobalCall(cx: LoweringContext, call: ts.CallExpression, calleeName: string): Value | undefined {
  const callee = call.expression;
  if (!isGlobalFunction(cx.checker, callee) && !isUntypedHostCall(cx, callee))
    return rejectUnresolvedCall(cx, call, calleeName);
  const args = call.arguments.map((arg) => lowerExpression(cx, arg));
  // Untyped, a host object's method (`console.warn`) is called for what it does.
  const host = isUntypedHostCall(cx, callee);
  if (host) cx.references.push(hostReference(callee));
  const returned = host ? "void" : cx.irType(cx.checker.getTypeAtLocation(call));
  if (returned === undefined) return cx.rejectType(call, `the result of '${calleeName}'`);
  const stringifies = calleeName === "String";
  const op = cx.builder.op({
    opcode: "call",
    operands: args,
    results: returned === "void" ? [] : [{ type: returned }],
    attrs: stringifies ? { callee: calleeName, stringifies } : { callee: calleeName },
    loc: cx.pointAt(call),
  });
  return op.results[0];
}

// ----- helpers, inlined -----

/**
 * The function a plain call names, when its source is in the program: a function declaration
 * or `const f = (...) => ...` in this file or imported from another file of the project.
 */
export function helperOf(checker: ts.TypeChecker, callee: ts.Expression): FunctionNode | undefined {
  if (!ts.isIdentifier(callee)) return undefined;
  let symbol = checker.getSymbolAtLocation(callee);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  // An overloaded function's declarations are its signatures and its implementation, the one with a body.
  const implementation = symbol?.declarations?.find((d) => ts.isFunctionDeclaration(d) && d.body !== undefined);
  const declaration = implementation ?? symbol?.valueDeclaration;
  if (!declaration || declaration.getSourceFile().isDeclarationFile) return undefined;
  if (ts.isFunctionDeclaration(declaration) && declaration.body) return declaration;
  if (ts.isVariableDeclaration(declaration) && ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) {
    const init = declaration.initializer;
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return init;
  }
  return undefined;
}

/**
 * A call to a helper, inlined: its parameters are bound to the arguments and its body is
 * lowered in place (a helper writing into an array argument writes into the caller's array).
 * Its statements count as the call's, for comments and locations.
 */
function inlineCall(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  helper: FunctionNode,
): Value | undefined {
  const args = lowerArguments(cx, call.arguments);
  noteObjectArrayArguments(cx, call.arguments, args);
  let writeBackArguments = () => {};
  const result = inlineFunction(cx, call, name, new FunctionValue(helper), args, () => {
    // The arguments are the helper's: objects it writes into are the caller's.
    const objectArguments = bindObjectArguments(cx, call, helper);
    const returned = lowerFunctionBody(cx, helper);
    writeBackArguments = objectArguments.end();
    return returned;
  });
  writeBackArguments();
  return result;
}

/** Inlines `target` called with `args`: `lowerBody` lowers its body in the callee's scope. */
export function inlineFunction<R>(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  target: FunctionValue,
  args: Argument[],
  lowerBody: () => R,
): R {
  const helper = target.node;
  rejectUninlinable(cx, call, name, target, args);
  // Called again (with other functions, or in a derivative), the helper starts without the
  // variables of its call in progress.
  const reentered = cx.inlined.includes(helper) && !isOtherLoadTimeInstance(cx, target);
  rejectPackageRecursion(cx, name, helper);
  const declaredReturn = cx.checker.getReturnTypeOfSignature(cx.checker.getSignatureFromDeclaration(helper)!);
  // Untyped JavaScript returns `any`, which the typings do not describe: look at what it returns.
  // A variable JavaScript assigns objects of several shapes has a union of them as its type.
  const objectUnion = (type: ts.Type) => type.isUnion() && type.types.every((member) => cx.types.isObject(member));
  const typeOf = (returned: ts.Expression) => {
    const type = cx.checker.getTypeAtLocation(returned);
    if (isChosenArrayVariable(cx, returned)) return "array";
    return objectUnion(type) ? "object" : (bundledReturnType(cx, returned) ?? cx.irType(type));
  };
  const untyped =
    declaredReturn.flags & ts.TypeFlags.Any || objectUnion(declaredReturn)
      ? (wrappedReturnType(cx, target) ?? untypedReturnType(helper, args, typeOf))
      : undefined;
  const frame = cx.enterBody(
    helper,
    untyped ??
      cx.irType(declaredReturn) ??
      // `T | null` or `T | undefined`: the paths giving null or undefined throw (null-returns.ts,
      // undefined-results.ts), the others give a T.
      cx.irType(cx.checker.getNonNullableType(declaredReturn)) ??
      untypedReturnType(helper, args) ??
      "number",
  );
  cx.inlined.push(helper);
  const outerActivation = localsOf(cx, helper);
  const outerFunctions = new Map([...cx.functions].filter(([symbol]) => isDeclaredIn(helper, symbol)));
  if (reentered) forgetLocals(cx, helper);
  const endCall = bindParameters(cx, call, name, target, args);
  const leaveCall = enterInlinedCall(cx, { call, callee: helper, args: [...target.boundArguments, ...args] });
  let result: R;
  try {
    result = lowerBody();
  } finally {
    leaveCall();
  }
  forgetLocals(cx, helper);
  endCall();
  // A factory called again by a function it made (d3-ease's `amplitude` calling `custom`) leaves
  // the first call's variables, which that function captured, as they were.
  for (const [symbol, value] of outerActivation) cx.env.set(symbol, value);
  // So does a helper called again with other functions: the first call's are bound again.
  for (const [symbol, bound] of outerFunctions) cx.functions.set(symbol, bound);
  cx.inlined.pop();
  cx.restoreFrame(frame);
  return result;
}

/** Rejects calls that cannot be inlined: recursion, async or generator helpers. */
function rejectUninlinable(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  target: FunctionValue,
  args: readonly Argument[],
): void {
  const helper = target.node;
  // A derivative taken inside the lowering is a function of its own: its calls start afresh.
  const inlined = inlinedInDerivative(cx);
  const reentered = inlined.includes(helper) && takesOtherFunctions(cx, helper, args);
  if (inlined.includes(helper) && !isOtherLoadTimeInstance(cx, target) && !reentered) {
    // The helper whose body is being lowered calls itself, or a function that called it.
    if (inlined[inlined.length - 1] !== helper) {
      cx.fail(
        call,
        "AD1004",
        `functions calling each other in a cycle ('${name}' is called again) are not supported yet`,
        "merge them into one function that calls itself and mark it @differentiable, or write the recursion as a loop",
      );
    }
    cx.fail(
      call,
      "AD1004",
      `recursive calls of the helper '${name}' are not supported`,
      `mark '${name}' itself @differentiable (a differentiable function may call itself), or write the recursion as a loop`,
    );
  }
  if (helper.asteriskToken || ts.getModifiers(helper)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword))
    cx.unsupported(call);
}

/** The functions among a call's arguments, in order. */
const functionArguments = (args: readonly Argument[]) =>
  args.flatMap((arg) => (arg instanceof FunctionValue ? [arg.node] : []));

/**
 * True when a helper already being inlined is called with functions other than each of its calls
 * in progress (a descent whose objective runs a descent of its own): there are finitely many
 * functions in the program, so such calls end, as a call with the same functions would not.
 */
function takesOtherFunctions(cx: LoweringContext, helper: FunctionNode, args: readonly Argument[]): boolean {
  const given = functionArguments(args);
  if (given.length === 0) return false;
  return inlinedCalls(cx)
    .filter((entry) => entry.callee === helper)
    .every((entry) => {
      const earlier = functionArguments(entry.args);
      return earlier.length !== given.length || earlier.some((node, i) => node !== given[i]);
    });
}

/** The values the helper's parameters and locals have before a call: those of a call of it
 * still going on. */
function localsOf(cx: LoweringContext, helper: FunctionNode): Map<ts.Symbol, Value> {
  return new Map([...cx.env].filter(([symbol]) => isDeclaredIn(helper, symbol)));
}

function isDeclaredIn(helper: FunctionNode, symbol: ts.Symbol): boolean {
  const declaration = symbol.valueDeclaration;
  return (
    declaration !== undefined &&
    declaration.getSourceFile() === helper.getSourceFile() &&
    declaration.pos >= helper.pos &&
    declaration.end <= helper.end
  );
}

/** The helper's parameters and locals end with the call: a second call starts afresh (its
 * loop counter is not a variable an earlier call left behind). */
export function forgetLocals(cx: LoweringContext, helper: FunctionNode): void {
  for (const symbol of [...cx.env.keys()]) {
    if (isDeclaredIn(helper, symbol)) cx.env.delete(symbol);
  }
}

// ----- calls kept as calls -----

/**
 * The derivative of a function called by name: its `@derivative` rule, or, for the function
 * being differentiated calling itself, the gradient being generated (the call's reverse runs
 * it again on the call's arguments: recursion is checkpointed at each call).
 */
function derivativeOf(cx: LoweringContext, callee: ts.Identifier): CallDerivative | undefined {
  const local = cx.checker.getSymbolAtLocation(callee);
  if (!local) return undefined;
  const target = resolvedSymbol(cx.checker, local);
  const rule = cx.rules.get(target);
  const declaration = target.valueDeclaration;
  if (rule && declaration && ts.isFunctionDeclaration(declaration))
    return { name: rule.name, kind: "vjp", declaration, rule: rule.node };
  const self = cx.fn.node;
  const isSelf =
    declaration === self ||
    (declaration !== undefined && ts.isVariableDeclaration(declaration) && declaration.initializer === self);
  if (isSelf && cx.inlined.length === 0)
    return { name: gradientFunctionName(cx.fn.name, false), kind: "grad", declaration: self, wrt: cx.fn.wrt };
  // Another recursive differentiable function of this file: its gradient is generated beside this one.
  const other =
    declaration &&
    findDifferentiableFunctions(self.getSourceFile()).find(
      (f) => !(f instanceof DiagnosticError) && f.node === declaration,
    );
  if (!other || other instanceof DiagnosticError || !callsItself(cx.checker, other.node, target)) return undefined;
  return { name: gradientFunctionName(other.name, false), kind: "grad", declaration: other.node, wrt: other.wrt };
}

/** True when the function's body calls the function `symbol` names. */
function callsItself(checker: ts.TypeChecker, node: FunctionNode, symbol: ts.Symbol): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(child) && ts.isIdentifier(child.expression)) {
      const called = checker.getSymbolAtLocation(child.expression);
      if (called && resolvedSymbol(checker, called) === symbol) found = true;
    }
    ts.forEachChild(child, visit);
  };
  if (node.body) visit(node.body);
  return found;
}

/** A call kept as a call: the forward sweep calls the function, the reverse its derivative. */
function lowerCallWithDerivative(
  cx: LoweringContext,
  call: ts.CallExpression,
  callee: ts.Identifier,
  derivative: CallDerivative,
): Value {
  const name = callee.text;
  rejectDerivativeCall(cx, call, name, derivative);
  const reference = calledReference(cx, call, callee, derivative);
  rejectStructuredParameters(cx, call, name, derivative);
  const wrt = derivative.wrt?.map((entry) => entry.name);
  const partials = derivative.declaration.parameters.map((p) =>
    ts.isIdentifier(p.name) && hasCotangent(cx.checker, p) && (wrt === undefined || wrt.includes(p.name.text))
      ? p.name.text
      : "",
  );
  const args = call.arguments.map((arg, i) => {
    const value = lowerExpression(cx, arg);
    if (value.type === "array" && partials[i] !== "" && !cx.parameterArrays.has(value)) {
      cx.fail(
        arg,
        "AD1004",
        `only parameter arrays can be passed to '${name}', whose derivative the reverse sweep calls with the same arrays`,
        "pass a parameter, or copy what the function needs into numbers",
      );
    }
    return value;
  });
  return cx.emitOp({
    opcode: "call",
    operands: args,
    results: [{ type: "number" }],
    attrs: {
      callee: reference === "global" ? name : reference.name,
      derivative: derivative.name,
      derivativeKind: derivative.kind,
      partials,
    },
    loc: cx.pointAt(call),
  });
}

/** Rejects calls kept as calls that do not return a number. */
function rejectDerivativeCall(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  derivative: CallDerivative,
): void {
  if (derivative.declaration === cx.fn.node && cx.returnType !== "number") {
    cx.fail(
      call,
      "AD1004",
      `recursive calls of '${name}', which does not return a number, are not supported yet`,
      "write the recursion as a loop",
    );
  }
  const returned = cx.irType(cx.checker.getTypeAtLocation(call));
  if (returned !== "number") {
    cx.fail(
      call,
      "AD1009",
      `'${name}' has a derivative rule but returns '${cx.checker.typeToString(cx.checker.getTypeAtLocation(call))}'; rules are supported for functions returning a number`,
      "return a number",
    );
  }
}

/** How the generated code reaches the called function, noting it (and its rule) in the references. */
function calledReference(
  cx: LoweringContext,
  call: ts.CallExpression,
  callee: ts.Identifier,
  derivative: CallDerivative,
): ExternalReference | "global" {
  const name = callee.text;
  const reference = referenceTo(cx.checker, callee);
  if (reference === undefined) {
    cx.fail(
      call,
      "AD1004",
      `'${name}' is not exported, and the generated gradient calls it`,
      `export '${name}' from its file`,
    );
  }
  if (reference !== "global") cx.references.push(reference);
  if (derivative.rule) {
    const ruleReference = referenceTo(cx.checker, derivative.rule.name!);
    if (ruleReference && ruleReference !== "global") cx.references.push(ruleReference);
  }
  return reference;
}

/** Rejects calls kept as calls to functions taking objects, or arrays of arrays or objects. */
function rejectStructuredParameters(
  cx: LoweringContext,
  call: ts.CallExpression,
  name: string,
  derivative: CallDerivative,
): void {
  for (const p of derivative.declaration.parameters) {
    const type = cx.checker.getTypeAtLocation(p);
    if (cx.irType(type) === "object" || cx.rowKind(type) || cx.types.elementFields(type)) {
      cx.fail(
        call,
        derivative.rule ? "AD1013" : "AD1004",
        `'${name}' takes '${p.name.getText()}', an object or an array of arrays or objects: calls kept as calls (recursion, @derivative rules) take numbers and numeric arrays only, for now`,
        "pass the numbers and flat arrays the function needs as separate parameters",
      );
    }
  }
}

// ----- what a callee is -----

/** True for `name` imported from this package (`import { stopGradient } from "adjoint"`). */
function isFromPackage(checker: ts.TypeChecker, identifier: ts.Identifier, name: string): boolean {
  const symbol = checker.getSymbolAtLocation(identifier);
  if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return false;
  const specifier = symbol.declarations?.[0];
  if (!specifier || !ts.isImportSpecifier(specifier)) return false;
  const module = specifier.parent.parent.parent.moduleSpecifier;
  return (
    ts.isStringLiteral(module) && module.text === "adjoint" && (specifier.propertyName ?? specifier.name).text === name
  );
}

/** A function of the standard library or the environment's typings (console.log, Date.now). */
function isGlobalFunction(checker: ts.TypeChecker, callee: ts.Expression): boolean {
  let root: ts.Expression = callee;
  while (ts.isPropertyAccessExpression(root)) root = root.expression;
  if (!ts.isIdentifier(root)) return false;
  const symbol = checker.getSymbolAtLocation(root);
  if (!symbol || symbol.flags & ts.SymbolFlags.Alias) return false;
  return (symbol.declarations ?? []).every((d) => d.getSourceFile().isDeclarationFile);
}
