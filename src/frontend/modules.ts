/**
 * Modules: what a differentiable function reaches by name beyond its locals and plain helpers.
 *
 * - Calls through namespaces (`import * as v3 from "./vec3"`, `namespace Vector { ... }`),
 *   object modules (`const utils = { f(x) {...}, g: (x) => ..., h }`, `this.f(x)` inside
 *   them), re-exports and default exports resolve, through the type checker's symbols, to the
 *   declaration with a body, which calls.ts inlines; a declaration of an npm package resolves to
 *   the package's JavaScript (library.ts).
 * - Module-level constants (`const TAU = 2 * Math.PI`, a `let` no code writes, constants of
 *   other modules, fields of constant objects) are computed at compile time; constant arrays
 *   and objects (`const COEFFS = [1, 2, 3]`) are built once at the start of the function that
 *   reads them, and so are scratch arrays (`const tmp = new Float64Array(3)`) the function
 *   writes before it reads (checkScratchArrays).
 *
 * A member is only resolved while nothing the compiler can see writes it: an assignment, `++`,
 * `delete` or mutating method in a file the function's file reaches through its imports, or the
 * array or object passed where it may be written or kept under another name.
 */
import path from "node:path";
import { ts } from "ts-morph";
import { numberText } from "../backend/expressions.js";
import { isOp } from "../ir/attrs.js";
import { emptyRegion } from "../ir/builder.js";
import type { Op, Region, Value } from "../ir/types.js";
import { definingOps } from "../ir/walk.js";
import { mathConstants, primitive } from "../rules/primitives.js";
import type { FunctionNode } from "./annotations.js";
import { lowerArrayLiteral, lowerNewArray } from "./arrays.js";
import type { LoweringContext } from "./context.js";
import { commonJsAssignedValue, commonJsModuleObject, isPackageFile, libraryImplementation } from "./library.js";
import { lowerObjectLiteral } from "./objects.js";
import { lowerExpression } from "./expressions.js";
import { numberConstants } from "./number-constants.js";
import { assignmentTarget, mutatingMethods, numericOperatorValues, skipParentheses, skipWrappers } from "./syntax.js";
import { stringConstant } from "./string-values.js";

// ----- functions -----

/**
 * The function with a body that a call names through a namespace, an object module, a
 * re-export or a default export (`v3.dot`, `utils.scale`, `this.scale`); undefined when the
 * callee is not one, or may be replaced at run time.
 */
export function moduleFunctionOf(cx: LoweringContext, callee: ts.Expression): FunctionNode | undefined {
  const member = ts.isPropertyAccessExpression(callee) ? staticMember(cx, callee) : undefined;
  if (member) rejectAssignedMember(cx, callee as ts.PropertyAccessExpression, member);
  const helper = calledFunction(cx, callee);
  // A method called other than through its own object would not get that object as `this`.
  const isOwnMethod = member !== undefined && declarationOf(aliased(cx.checker, member)) === helper;
  return helper && ts.isMethodDeclaration(helper) && !isOwnMethod ? undefined : helper;
}

/** The function a callee names, as moduleFunctionOf finds it, for analyses that report nothing. */
function calledFunction(cx: LoweringContext, callee: ts.Expression): FunctionNode | undefined {
  const symbol = ts.isPropertyAccessExpression(callee)
    ? staticMember(cx, callee)
    : ts.isIdentifier(callee)
      ? cx.checker.getSymbolAtLocation(callee)
      : undefined;
  return symbol && functionOfSymbol(cx, symbol, new Set());
}

/** True for a module object (see moduleObjectOf) that no code writes or hands to code that may:
 * a member its literal lacks is undefined. */
export function isUnwrittenModuleObject(cx: LoweringContext, literal: ts.ObjectLiteralExpression): boolean {
  const object = moduleObjectOf(cx, literal);
  return object !== undefined && firstWrite(cx, object) === undefined;
}

/** The function a member of a module object holds, found by the member's symbol. */
export function memberFunction(cx: LoweringContext, member: ts.Symbol): FunctionNode | undefined {
  return functionOfSymbol(cx, member, new Set());
}

function functionOfSymbol(cx: LoweringContext, symbol: ts.Symbol, seen: Set<ts.Symbol>): FunctionNode | undefined {
  const target = aliased(cx.checker, symbol);
  if (seen.has(target)) return undefined;
  seen.add(target);
  const declarations = target.declarations ?? [];
  const library = declarations.find(isLibraryDeclaration);
  if (library) {
    const implementation = libraryImplementation(cx.checker, library);
    return implementation && functionOfSymbol(cx, implementation, seen);
  }
  const withBody = declarations.find(
    (d): d is ts.FunctionDeclaration | ts.MethodDeclaration =>
      (ts.isFunctionDeclaration(d) || ts.isMethodDeclaration(d)) && d.body !== undefined,
  );
  if (withBody && ts.isFunctionDeclaration(withBody)) return withBody;
  if (withBody && ts.isObjectLiteralExpression(withBody.parent))
    return isConstantMember(cx, withBody.parent, target) ? withBody : undefined;
  const declaration = declarationOf(target);
  if (!declaration) return undefined;
  const exported = commonJsAssignedValue(declaration);
  if (exported) return functionOfExpression(cx, exported, seen);
  if (ts.isPropertyAssignment(declaration) && ts.isObjectLiteralExpression(declaration.parent)) {
    if (!isConstantMember(cx, declaration.parent, target)) return undefined;
    return functionOfExpression(cx, declaration.initializer, seen);
  }
  if (ts.isShorthandPropertyAssignment(declaration) && ts.isObjectLiteralExpression(declaration.parent)) {
    const value = cx.checker.getShorthandAssignmentValueSymbol(declaration);
    return value && isConstantMember(cx, declaration.parent, target) ? functionOfSymbol(cx, value, seen) : undefined;
  }
  if (ts.isVariableDeclaration(declaration) && declaration.initializer && isUnchangingVariable(cx, declaration, target))
    return functionOfExpression(cx, declaration.initializer, seen);
  if (ts.isExportAssignment(declaration)) return functionOfExpression(cx, declaration.expression, seen);
  return undefined;
}

function functionOfExpression(
  cx: LoweringContext,
  expression: ts.Expression,
  seen: Set<ts.Symbol>,
): FunctionNode | undefined {
  const node = skipParentheses(expression);
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return node;
  const symbol = ts.isPropertyAccessExpression(node)
    ? staticMember(cx, node)
    : ts.isIdentifier(node)
      ? cx.checker.getSymbolAtLocation(node)
      : undefined;
  return symbol && functionOfSymbol(cx, symbol, seen);
}

// ----- modules, namespaces and module objects -----

/**
 * The member `access` reads when its receiver names a module, a namespace or a module object
 * (`vec3.dot`, `utils.Polynomial.cube`, `this.scale` in a method of a module object);
 * undefined otherwise: a property symbol alone does not say which object is read at run time.
 */
function staticMember(cx: LoweringContext, access: ts.PropertyAccessExpression): ts.Symbol | undefined {
  const owner = staticOwner(cx, access.expression);
  const member = cx.checker.getSymbolAtLocation(access.name);
  if (!owner || !member) return undefined;
  const target = aliased(cx.checker, member);
  if (owner.kind === "object") return declarationOf(target)?.parent === owner.literal ? member : undefined;
  const exports = cx.checker.getExportsOfModule(owner.symbol);
  return exports.some((e) => e === member || aliased(cx.checker, e) === target) ? member : undefined;
}

type StaticOwner = { kind: "module"; symbol: ts.Symbol } | { kind: "object"; literal: ts.ObjectLiteralExpression };

function staticOwner(cx: LoweringContext, expression: ts.Expression): StaticOwner | undefined {
  const node = skipWrappers(expression);
  if (node.kind === ts.SyntaxKind.ThisKeyword) {
    // Methods are only inlined when called through their object: `this` is that object.
    const method = cx.owner();
    return ts.isMethodDeclaration(method) && ts.isObjectLiteralExpression(method.parent)
      ? { kind: "object", literal: method.parent }
      : undefined;
  }
  let symbol: ts.Symbol | undefined;
  if (ts.isIdentifier(node)) symbol = cx.checker.getSymbolAtLocation(node);
  else if (ts.isPropertyAccessExpression(node)) symbol = staticMember(cx, node);
  if (!symbol) return undefined;
  const target = aliased(cx.checker, symbol);
  if (target.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule))
    return { kind: "module", symbol: target };
  const declaration = target.valueDeclaration;
  if (declaration && ts.isShorthandPropertyAssignment(declaration)) {
    const value = cx.checker.getShorthandAssignmentValueSymbol(declaration);
    return value && isConstantMember(cx, declaration.parent, target) ? ownerOfSymbol(cx, value) : undefined;
  }
  return ownerOfSymbol(cx, target);
}

/** A module, namespace, or a module-level `const` initialized by an object literal. */
function ownerOfSymbol(cx: LoweringContext, symbol: ts.Symbol): StaticOwner | undefined {
  const target = aliased(cx.checker, symbol);
  if (target.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule))
    return { kind: "module", symbol: target };
  const declaration = target.valueDeclaration;
  if (declaration && ts.isExportAssignment(declaration)) {
    // `export default { ... }`: no name of the module can be assigned another object.
    const literal = unfrozen(skipWrappers(declaration.expression));
    return ts.isObjectLiteralExpression(literal) ? { kind: "object", literal } : undefined;
  }
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const literal = unfrozen(skipWrappers(declaration.initializer));
  return ts.isObjectLiteralExpression(literal) && isUnchangingVariable(cx, declaration, target)
    ? { kind: "object", literal }
    : undefined;
}

// ----- constants -----

/** The value of a module-level constant an identifier names, or undefined when it is not one. */
export function moduleConstant(cx: LoweringContext, identifier: ts.Identifier, symbol: ts.Symbol): Value | undefined {
  const target = aliased(cx.checker, symbol);
  const declaration = target.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  if (!isUnchangingVariable(cx, declaration, target))
    return rejectAssignedVariable(cx, identifier, declaration, target);
  const structured = constantStructure(cx, identifier, declaration, target);
  if (structured) return structured;
  const value = constantValue(cx, target, new Set());
  if (value === undefined) return undefined;
  if (declaration.getSourceFile() !== cx.fn.node.getSourceFile()) return cx.builder.constant(value);
  // The generated module declares the constants of the function's file it reads, by name.
  const init = declaration.initializer;
  const literal = isNumericLiteral(init) ? init.getText() : numberText(value);
  return cx.builder.emit("const", [], "number", { value, text: declaration.name.getText(), definedAs: literal });
}

/** `ns.TAU`, `this.factor`, `Vector.ZERO`: a constant member of a module; undefined otherwise. */
export function moduleMemberConstant(cx: LoweringContext, access: ts.PropertyAccessExpression): Value | undefined {
  const symbol = staticMember(cx, access);
  const text = symbol && constantString(cx, symbol);
  if (text !== undefined) return stringConstant(cx, text);
  const value = symbol && constantValue(cx, symbol, new Set());
  return value === undefined ? undefined : cx.builder.constant(value);
}

/** A module variable initialized by a string literal that no code changes (gl-matrix's
 * `ANGLE_ORDER = "zyx"`); undefined for others. */
function constantString(cx: LoweringContext, symbol: ts.Symbol): string | undefined {
  const target = aliased(cx.checker, symbol);
  const declaration = declarationOf(target);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const init = skipWrappers(declaration.initializer);
  if (!ts.isStringLiteral(init) && !ts.isNoSubstitutionTemplateLiteral(init)) return undefined;
  return isUnchangingVariable(cx, declaration, target) ? init.text : undefined;
}

/** A number computed at compile time from literals, Math and other constants. */
function constantValue(cx: LoweringContext, symbol: ts.Symbol, seen: Set<ts.Symbol>): number | undefined {
  const target = aliased(cx.checker, symbol);
  if (seen.has(target)) return undefined;
  seen.add(target);
  const declaration = declarationOf(target);
  if (!declaration) return undefined;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer && isUnchangingVariable(cx, declaration, target))
    return evaluate(cx, declaration.initializer, seen);
  if (
    ts.isPropertyAssignment(declaration) &&
    ts.isObjectLiteralExpression(declaration.parent) &&
    isConstantMember(cx, declaration.parent, target)
  ) {
    return evaluate(cx, declaration.initializer, seen);
  }
  return undefined;
}

/** Evaluates a constant expression as JavaScript would; undefined for anything else. */
function evaluate(cx: LoweringContext, expression: ts.Expression, seen: Set<ts.Symbol>): number | undefined {
  const node = skipWrappers(expression);
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node)) {
    const operand = evaluate(cx, node.operand, seen);
    if (operand === undefined) return undefined;
    if (node.operator === ts.SyntaxKind.MinusToken) return -operand;
    if (node.operator === ts.SyntaxKind.PlusToken) return operand;
    return undefined;
  }
  if (ts.isBinaryExpression(node)) {
    const operator = numericOperatorValues.get(node.operatorToken.kind);
    const left = operator && evaluate(cx, node.left, seen);
    const right = operator && evaluate(cx, node.right, seen);
    return operator && left !== undefined && right !== undefined ? operator(left, right) : undefined;
  }
  if (ts.isIdentifier(node)) {
    if (node.text === "NaN" || node.text === "Infinity") return Number(node.text);
    const symbol = cx.checker.getSymbolAtLocation(node);
    return symbol && constantValue(cx, symbol, new Set(seen));
  }
  if (ts.isPropertyAccessExpression(node)) {
    if (ts.isIdentifier(node.expression) && node.expression.text === "Math") return mathConstants.get(node.name.text);
    if (ts.isIdentifier(node.expression) && node.expression.text === "Number")
      return numberConstants.get(node.name.text);
    const symbol = staticMember(cx, node);
    return symbol && constantValue(cx, symbol, new Set(seen));
  }
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const callee = node.expression;
    if (!ts.isIdentifier(callee.expression) || callee.expression.text !== "Math") return undefined;
    const p = primitive(callee.name.text);
    if (callee.name.text !== "pow" && (p?.syntax.kind !== "call" || p.syntax.callee !== `Math.${callee.name.text}`))
      return undefined;
    const args = node.arguments.map((arg) => evaluate(cx, arg, seen));
    if (args.some((arg) => arg === undefined)) return undefined;
    const numbers = args as number[];
    const result = callee.name.text === "pow" ? Math.pow(numbers[0]!, numbers[1]!) : p!.evaluate(...numbers);
    return typeof result === "number" ? result : undefined;
  }
  return undefined;
}

/**
 * A constant array or object of the module (`const COEFFS = [1, 2, 3]`, `const K = { a: 1 }`,
 * `const ZERO = new Float64Array(3)`), built where the function reads it; undefined for
 * other initializers. One that code may write is a diagnostic: a copy would miss the writes.
 */
function constantStructure(
  cx: LoweringContext,
  use: ts.Identifier,
  declaration: ts.VariableDeclaration,
  symbol: ts.Symbol,
): Value | undefined {
  const init = skipWrappers(declaration.initializer!);
  // An array a call makes (`const edge = vec3.create()`) is read as scratch space only.
  const madeByCall = ts.isCallExpression(init) && cx.irType(cx.checker.getTypeAtLocation(declaration.name)) === "array";
  const isStructure =
    ts.isArrayLiteralExpression(init) || ts.isObjectLiteralExpression(init) || ts.isNewExpression(init) || madeByCall;
  if (!isStructure) return undefined;
  let built = builtStructures.get(cx);
  if (!built) builtStructures.set(cx, (built = new Map()));
  const known = built.get(symbol);
  if (known) return known;
  const write = firstWrite(cx, symbol);
  if (madeByCall && !write) return undefined;
  const scratchLength = write && !madeByCall ? scratchArrayLength(cx, init, declaration) : undefined;
  const rejectWrite = (write: ts.Node) => {
    const { line } = write.getSourceFile().getLineAndCharacterOfPosition(write.getStart());
    return cx.fail(
      use,
      "AD1004",
      `'${symbol.name}' is a module-level ${ts.isObjectLiteralExpression(init) ? "object" : "array"} that code changes at run time (${path.basename(write.getSourceFile().fileName)}:${line + 1}), so the function cannot read a copy of it`,
      `make it a local of the function (const ${symbol.name} = ...), or pass it in as a parameter`,
    );
  };
  if (write && !madeByCall && scratchLength === undefined) rejectWrite(write);
  // Built once, at the start of the function, where every loop and branch can read it.
  const saved = cx.sourceFile;
  cx.sourceFile = declaration.getSourceFile();
  const region = emptyRegion();
  const value = cx.builder.inRegion(region, () => {
    try {
      if (ts.isArrayLiteralExpression(init)) return lowerArrayLiteral(cx, init);
      if (ts.isObjectLiteralExpression(init)) return lowerObjectLiteral(cx, init);
      return ts.isNewExpression(init) ? lowerNewArray(cx, init) : lowerExpression(cx, init);
    } finally {
      cx.sourceFile = saved;
    }
  });
  if (!value) return undefined;
  const length = madeByCall ? (madeArrayLength(region, value, declaration) ?? rejectWrite(write!)) : scratchLength;
  // After the structures built before it, among them those this one reads (built while it was).
  cx.body.ops.splice(cx.prologueLength, 0, ...region.ops);
  cx.prologueLength += region.ops.length;
  // The array a call made is named after the module's variable, not the callee's local.
  if (madeByCall) value.name = symbol.name;
  else value.name ??= symbol.name;
  built.set(symbol, value);
  if (length !== undefined) {
    let scratch = scratchArrays.get(cx);
    if (!scratch) scratchArrays.set(cx, (scratch = []));
    scratch.push({ name: symbol.name, value, length, use });
  }
  return value;
}

// ----- scratch arrays -----

/** A module array the function writes before it reads: a local of the generated function. */
interface ScratchArray {
  name: string;
  value: Value;
  length: number;
  /** The first read of its name, where a diagnostic points. */
  use: ts.Identifier;
}

const scratchArrays = new WeakMap<LoweringContext, ScratchArray[]>();

/**
 * The length of a module-level `new Float64Array(n)` (or Float32Array) that its module does
 * not export, which may serve as scratch space; undefined for other arrays and objects.
 */
function scratchArrayLength(
  cx: LoweringContext,
  init: ts.Expression,
  declaration: ts.VariableDeclaration,
): number | undefined {
  if (!ts.isNewExpression(init) || !ts.isIdentifier(init.expression)) return undefined;
  if (init.expression.text !== "Float64Array" && init.expression.text !== "Float32Array") return undefined;
  if (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Export) return undefined;
  const [length] = init.arguments ?? [];
  return length && init.arguments!.length === 1 ? evaluate(cx, length, new Set()) : undefined;
}

/**
 * The length of the new array a module-level call makes (`vec3.create()`, which allocates
 * `new ARRAY_TYPE(3)` and fills it) when its module does not export it; undefined when the
 * call returns another array, or one of a length known only when the code runs.
 */
function madeArrayLength(region: Region, value: Value, declaration: ts.VariableDeclaration): number | undefined {
  if (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Export) return undefined;
  const constants = definingOps(region);
  const allocation = constants.get(value);
  if (!allocation || !isOp(allocation, "array.new")) return undefined;
  const length = constants.get(allocation.operands[0]!);
  return length && isOp(length, "const") ? length.attrs.value : undefined;
}

/**
 * Checks, once the function is lowered, that it writes every element of each module scratch
 * array it uses before reading it: a read must follow a write of its element earlier in its
 * region or in an enclosing one (a write in a branch or a loop body covers only what follows
 * it there). Only then does the function's value not depend on what an earlier call left in
 * the array, and a local array computes the same.
 */
export function checkScratchArrays(cx: LoweringContext): void {
  const constants = definingOps(cx.body);
  const indexOf = (value: Value | undefined) => {
    const op = value && constants.get(value);
    return op && isOp(op, "const") ? op.attrs.value : undefined;
  };
  for (const scratch of scratchArrays.get(cx) ?? []) {
    const check = (ops: readonly Op[], written: Set<number>): void => {
      const isWritten = (index: Value | undefined) => {
        const at = indexOf(index);
        return written.size === scratch.length || (at !== undefined && written.has(at));
      };
      for (const op of ops) {
        const [array, index, stored] = op.operands;
        const reads = op.operands.includes(scratch.value);
        const isElementWrite = isOp(op, "array.set") && array === scratch.value && stored !== scratch.value;
        const isCoveredRead =
          (isOp(op, "array.get") || isOp(op, "array.add")) &&
          array === scratch.value &&
          stored !== scratch.value &&
          isWritten(index);
        if (reads && !isElementWrite && !isCoveredRead && !isOp(op, "array.length")) {
          cx.fail(
            scratch.use,
            "AD1004",
            `'${scratch.name}' is a module-level array that is read${op.loc ? ` (line ${op.loc.line})` : ""} before the function writes that element, so its value would depend on an earlier call`,
            `write every element before reading it, or make it a local of the function (const ${scratch.name} = new Float64Array(${scratch.length}))`,
          );
        }
        for (const region of op.regions) check(region.ops, new Set(written));
        const at = indexOf(index);
        if (isElementWrite && at !== undefined && Number.isInteger(at) && at >= 0 && at < scratch.length)
          written.add(at);
      }
    };
    // The prologue builds module structures as their module does when it loads: what it writes
    // into a scratch array (the zeros `vec3.create()` fills it with) is there before the first
    // call only, so it is no write of this call.
    check(cx.body.ops.slice(cx.prologueLength), new Set());
  }
}

/** The module arrays and objects each function's lowering has built. */
const builtStructures = new WeakMap<LoweringContext, Map<ts.Symbol, Value>>();

// ----- what may change at run time -----

/** A module-level `const`, or a `let`/`var` of a module no code of that module assigns. */
function isUnchangingVariable(cx: LoweringContext, declaration: ts.VariableDeclaration, symbol: ts.Symbol): boolean {
  const list = declaration.parent;
  if (!ts.isVariableDeclarationList(list) || !ts.isVariableStatement(list.parent)) return false;
  const scope = list.parent.parent;
  if (ts.getCombinedNodeFlags(list) & ts.NodeFlags.Const) return ts.isSourceFile(scope) || ts.isModuleBlock(scope);
  // A module's variable can only be assigned by its own code: an import is read-only.
  if (!ts.isSourceFile(scope) || !ts.isExternalModule(scope)) return false;
  return !assigns(cx.checker, scope, symbol);
}

/** A module-level `let` or `var` its module assigns: a copy would miss the assignments. */
function rejectAssignedVariable(
  cx: LoweringContext,
  use: ts.Identifier,
  declaration: ts.VariableDeclaration,
  symbol: ts.Symbol,
): undefined {
  const statement = declaration.parent.parent;
  if (!ts.isVariableStatement(statement) || !ts.isSourceFile(statement.parent)) return undefined;
  const write = assignment(cx.checker, statement.parent, symbol);
  if (!write) return undefined;
  const { line } = write.getSourceFile().getLineAndCharacterOfPosition(write.getStart());
  cx.fail(
    use,
    "AD1004",
    `'${symbol.name}' is a module-level variable that code assigns at run time (${path.basename(write.getSourceFile().fileName)}:${line + 1}), so the function cannot read a copy of it`,
    `pass it in as a parameter, or make it a const if it never changes`,
  );
}

/** The members of an object literal initializing a module-level `const`, while no code writes them. */
function isConstantMember(cx: LoweringContext, literal: ts.ObjectLiteralExpression, member: ts.Symbol): boolean {
  const object = moduleObjectOf(cx, literal);
  return object !== undefined && memberAssignment(cx, object, member) === undefined;
}

/**
 * The symbol of the module object an object literal is: the module-level `const` it
 * initializes (`const utils = { ... }`, also `as const` or `Object.freeze`d) while nothing
 * assigns that name, or the module's default export (`export default { ... }`).
 */
function moduleObjectOf(cx: LoweringContext, literal: ts.ObjectLiteralExpression): ts.Symbol | undefined {
  let node: ts.Node = literal;
  while (
    ts.isParenthesizedExpression(node.parent) ||
    ts.isAsExpression(node.parent) ||
    ts.isSatisfiesExpression(node.parent) ||
    (ts.isCallExpression(node.parent) && unfrozen(node.parent) === node)
  )
    node = node.parent;
  const parent = node.parent;
  if (ts.isExportAssignment(parent)) return defaultExportOf(cx.checker, parent);
  const commonJs = commonJsModuleObject(cx.checker, node);
  if (commonJs) return commonJs;
  if (!ts.isVariableDeclaration(parent) || parent.initializer !== node || !ts.isIdentifier(parent.name))
    return undefined;
  const object = cx.checker.getSymbolAtLocation(parent.name);
  return object && isUnchangingVariable(cx, parent, object) ? object : undefined;
}

/** The first assignment to a member of a module object (or to the object's fields) the compiler sees. */
function memberAssignment(cx: LoweringContext, object: ts.Symbol, member: ts.Symbol): ts.Node | undefined {
  for (const file of reachableFiles(cx)) {
    const found = assignment(cx.checker, file, member) ?? assignment(cx.checker, file, object);
    if (found) return found;
  }
  return undefined;
}

/** The symbol `export default <expression>` exports. */
function defaultExportOf(checker: ts.TypeChecker, assignment: ts.ExportAssignment): ts.Symbol | undefined {
  const module = checker.getSymbolAtLocation(assignment.getSourceFile());
  return module && checker.getExportsOfModule(module).find((e) => e.escapedName === "default");
}

/** A call through a member of a module object that code assigns: which function runs is only known at run time. */
function rejectAssignedMember(cx: LoweringContext, callee: ts.PropertyAccessExpression, member: ts.Symbol): void {
  const literal = declarationOf(aliased(cx.checker, member))?.parent;
  const object = literal && ts.isObjectLiteralExpression(literal) ? moduleObjectOf(cx, literal) : undefined;
  const write = object && memberAssignment(cx, object, aliased(cx.checker, member));
  if (!write) return;
  const { line } = write.getSourceFile().getLineAndCharacterOfPosition(write.getStart());
  cx.fail(
    callee,
    "AD1004",
    `'${callee.getText(cx.sourceFile)}' is assigned at run time (${path.basename(write.getSourceFile().fileName)}:${line + 1}), so which function it calls is not known when compiling`,
    "call the functions by their own names (choose between them with a condition), or mark the object `as const` and do not assign its members",
  );
}

function assigns(checker: ts.TypeChecker, scope: ts.Node, symbol: ts.Symbol): boolean {
  return assignment(checker, scope, symbol) !== undefined;
}

/** The first place in `scope` that assigns the variable or member `symbol`, or something inside it. */
function assignment(checker: ts.TypeChecker, scope: ts.Node, symbol: ts.Symbol): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    const target = assignmentTarget(node);
    if (target && targetSymbols(checker, target).includes(symbol)) found = node;
    else ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

/** The first place in the files the function reaches where an array or object may be written. */
function firstWrite(cx: LoweringContext, symbol: ts.Symbol): ts.Node | undefined {
  // A package's structure is written by the package's code (culori's `useMode` filling
  // `converters` when it loads), which the user's file reaches only through typings.
  const own = symbol.valueDeclaration?.getSourceFile();
  const files = new Set([...reachableFiles(cx), ...(own ? reachableFiles(cx, own) : [])]);
  for (const file of files) {
    const write = writeIn(cx, file, symbol, new Set());
    if (write) return write;
  }
  return undefined;
}

/** The first write of the array or object `symbol` in `scope`, following it into the functions
 * it is passed to (`checked`: those being followed already). */
function writeIn(
  cx: LoweringContext,
  scope: ts.Node,
  symbol: ts.Symbol,
  checked: Set<ts.ParameterDeclaration>,
): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    const target = assignmentTarget(node);
    if (target && targetSymbols(cx.checker, target).includes(symbol)) found = node;
    else if (ts.isIdentifier(node) && isEscapingUse(cx, node, symbol, checked)) found = node;
    else ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

/** A use of the array or object `symbol` that may write it or give it another name. */
function isEscapingUse(
  cx: LoweringContext,
  identifier: ts.Identifier,
  symbol: ts.Symbol,
  checked: Set<ts.ParameterDeclaration>,
): boolean {
  const used = cx.checker.getSymbolAtLocation(identifier);
  if (!used || aliased(cx.checker, used) !== symbol) return false;
  if (ts.isImportSpecifier(identifier.parent) || ts.isExportSpecifier(identifier.parent)) return false;
  if (ts.isVariableDeclaration(identifier.parent) && identifier.parent.name === identifier) return false;
  if (ts.isParameter(identifier.parent) && identifier.parent.name === identifier) return false;
  let node: ts.Node = identifier;
  while (ts.isParenthesizedExpression(node.parent) || ts.isNonNullExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
    const call = parent.parent;
    return ts.isCallExpression(call) && call.expression === parent && mutatingMethods.has(parent.name.text);
  }
  if (ts.isElementAccessExpression(parent) && parent.expression === node) return false;
  if (ts.isForOfStatement(parent) && parent.expression === node) return false;
  if (ts.isSpreadElement(parent) || ts.isSpreadAssignment(parent)) return false;
  if (ts.isCallExpression(parent) && parent.expression !== node) {
    // Passed to a function: fine when the function never writes that parameter.
    const callee = calledFunction(cx, parent.expression);
    const parameter = callee?.parameters[parent.arguments.indexOf(node as ts.Expression)];
    if (!callee || !parameter || !ts.isIdentifier(parameter.name)) return true;
    // Each parameter once: the same helper may be given the array at another position too.
    if (checked.has(parameter)) return false;
    checked.add(parameter);
    const parameterSymbol = cx.checker.getSymbolAtLocation(parameter.name);
    return parameterSymbol === undefined || writeIn(cx, callee, parameterSymbol, checked) !== undefined;
  }
  return true;
}

/** The symbols a write target goes through: `K.a.b` writes b, a and K. */
function targetSymbols(checker: ts.TypeChecker, target: ts.Expression): ts.Symbol[] {
  const symbols: ts.Symbol[] = [];
  let node: ts.Expression = skipWrappers(target);
  for (;;) {
    if (ts.isPropertyAccessExpression(node)) {
      const symbol = checker.getSymbolAtLocation(node.name);
      if (symbol) symbols.push(symbol);
      node = skipWrappers(node.expression);
    } else if (ts.isElementAccessExpression(node)) {
      node = skipWrappers(node.expression);
    } else {
      const symbol = ts.isIdentifier(node) ? checker.getSymbolAtLocation(node) : undefined;
      if (symbol) symbols.push(aliased(checker, symbol));
      return symbols;
    }
  }
}

/** The files a file (the function's, unless told) reaches through its imports and re-exports,
 * itself first. */
const reachable = new WeakMap<ts.SourceFile, ts.SourceFile[]>();

export function reachableFiles(
  cx: LoweringContext,
  start: ts.SourceFile = cx.fn.node.getSourceFile(),
): ts.SourceFile[] {
  const known = reachable.get(start);
  if (known) return known;
  const files: ts.SourceFile[] = [];
  const add = (file: ts.SourceFile) => {
    if (files.includes(file) || file.isDeclarationFile) return;
    files.push(file);
    for (const statement of file.statements) {
      const specifier =
        ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
      const module = specifier && cx.checker.getSymbolAtLocation(specifier)?.valueDeclaration;
      if (module && ts.isSourceFile(module)) add(module);
    }
  };
  add(start);
  reachable.set(start, files);
  return files;
}

// ----- syntax -----

function aliased(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function isLibraryDeclaration(declaration: ts.Declaration): boolean {
  const file = declaration.getSourceFile();
  return file.isDeclarationFile && isPackageFile(file.fileName);
}

function isNumericLiteral(node: ts.Expression): boolean {
  return (
    ts.isNumericLiteral(node) ||
    (ts.isPrefixUnaryExpression(node) &&
      node.operator === ts.SyntaxKind.MinusToken &&
      ts.isNumericLiteral(node.operand))
  );
}

/** A symbol's declaration; for a member of a mapped type (`Readonly<T>` of `Object.freeze`), the
 * member it maps. */
function declarationOf(symbol: ts.Symbol): ts.Declaration | undefined {
  const declarations = symbol.declarations ?? [];
  return symbol.valueDeclaration ?? (declarations.length === 1 ? declarations[0] : undefined);
}

/** The object `Object.freeze(object)` returns: the same object, whose members cannot change. */
function unfrozen(node: ts.Expression): ts.Expression {
  if (!ts.isCallExpression(node) || node.arguments.length !== 1) return node;
  const callee = node.expression;
  const isFreeze =
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === "Object" &&
    callee.name.text === "freeze";
  return isFreeze ? skipWrappers(node.arguments[0]!) : node;
}
