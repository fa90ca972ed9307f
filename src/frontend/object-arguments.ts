/**
 * Objects a class member or a helper called by name writes into through a parameter (`lerp(v,
 * t, target) { target.x = ...; }`, cannon-es's and three.js's `target` arguments, `scaleInto(out,
 * k, v)`): JavaScript passes the caller's object, so the writes are the caller's. The parameter is bound to the argument's object as
 * every parameter is, and may be written as a local object is (objects.ts asks
 * isWritableParameter); when the inlined call ends, the object the parameter holds then goes back
 * where the argument came from, as a method's changed `this` does (classes.ts rebindReceiver):
 * a local variable of the caller, checked as a write into it is (never the differentiable
 * function's own parameter), the caller's `this`, or nothing for a new instance.
 *
 * The receiver and the parameters naming the same object of the caller
 * (`v.addScaledVector(s, w, v)`) each hold the object as the call began: that is accepted only
 * when one of the names writes, no field is read through another name after that name wrote
 * it, and every use is a field access in the member's straight-line code.
 *
 * It also answers what a method returns (this, a new instance, a parameter), for the aliasing
 * checks of objects.ts and classes.ts, and which arguments a call may write, for the variables
 * a loop carries.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { FunctionNode } from "./annotations.js";
import { helperOf } from "./calls.js";
import { changedReceiver, classMembers, isNewObject, rebindReceiver } from "./classes.js";
import type { LoweringContext } from "./context.js";
import { libraryMember, libraryOverloads } from "./library-classes.js";
import { equalities } from "./guards.js";
import { fieldsOf, mayAlias } from "./objects.js";
import { assignmentTarget, readsAny, skipParentheses } from "./syntax.js";

/** A parameter bound to an object of the caller. */
interface ObjectArgument {
  symbol: ts.Symbol;
  parameter: ts.ParameterDeclaration & { name: ts.Identifier };
  argument: ts.Expression;
  entry: Value;
}

/** The object parameters of the calls being inlined that the member may write into. */
const writableParameters = new WeakMap<LoweringContext, Set<ts.Symbol>>();

/** Whether a parameter of a member being inlined may be written into: it holds its caller's
 * object (which the end of the call writes back), or a new object its default made. */
export function isWritableParameter(cx: LoweringContext, symbol: ts.Symbol): boolean {
  return writableParameters.get(cx)?.has(symbol) === true;
}

/**
 * After the parameters of `member` are bound for the call at `site`: the parameters holding an
 * object the call passes. `end`, before the member's locals are forgotten, takes the objects
 * they hold and gives what writes them back, to run once the caller's frame is restored.
 */
export function bindObjectArguments(cx: LoweringContext, site: ts.Node, member: FunctionNode): { end(): () => void } {
  const given = ts.isCallExpression(site) || ts.isNewExpression(site) ? (site.arguments ?? []) : [];
  // After a spread, the arguments are not the parameters at their positions.
  const passed = given.some(ts.isSpreadElement) ? [] : given;
  let symbols = writableParameters.get(cx);
  if (!symbols) writableParameters.set(cx, (symbols = new Set()));
  const bound: ObjectArgument[] = [];
  member.parameters.forEach((parameter, k) => {
    const argument = passed[k];
    const symbol = ts.isIdentifier(parameter.name) ? cx.checker.getSymbolAtLocation(parameter.name) : undefined;
    const entry = symbol && cx.env.get(symbol);
    if (!symbol || entry?.type !== "object" || reassigns(cx, member, symbol)) return;
    // A default (`target = new Vec3()`) gives the member an object of its own.
    if (!argument && parameter.initializer && isNewObject(cx, parameter.initializer)) symbols.add(symbol);
    // A function seeing the argument's variable itself would not see the writes until the end.
    const named = argument && skipParentheses(argument);
    const variable = named && ts.isIdentifier(named) ? cx.checker.getSymbolAtLocation(named) : undefined;
    if (!argument || (variable && readsAny(cx.checker, member, [variable]))) return;
    bound.push({ symbol, parameter: parameter as ObjectArgument["parameter"], argument, entry });
    symbols.add(symbol);
  });
  return {
    end() {
      for (const parameter of member.parameters) {
        const symbol = ts.isIdentifier(parameter.name) ? cx.checker.getSymbolAtLocation(parameter.name) : undefined;
        if (symbol) symbols.delete(symbol);
      }
      const written = bound.flatMap((b) => {
        const object = cx.env.get(b.symbol);
        return object && object !== b.entry ? [{ ...b, object }] : [];
      });
      return () => {
        if (written.length === 0) return;
        rejectSharedArguments(cx, site, member, bound, written);
        for (const { argument, entry, object } of written) {
          rejectChangedMeanwhile(cx, site, argument, entry);
          rejectNestedWrites(cx, site, argument, entry, object);
          rebindReceiver(cx, site, argument, object);
        }
      };
    },
  };
}

/** Whether the member assigns the parameter itself (the name then holds another object),
 * other than in the branch of `if (p === void 0)` a passed argument does not take. */
function reassigns(cx: LoweringContext, member: FunctionNode, symbol: ts.Symbol): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIfStatement(node) && testsUndefined(cx, node.expression, symbol)) {
      if (node.elseStatement) visit(node.elseStatement);
      return;
    }
    const target = assignmentTarget(node);
    if (target && ts.isIdentifier(target) && cx.checker.getSymbolAtLocation(target) === symbol) found = true;
    ts.forEachChild(node, visit);
  };
  if (member.body) visit(member.body);
  return found;
}

/** `p === void 0`, `p === undefined`, `p == null`, `!p`. */
function testsUndefined(cx: LoweringContext, condition: ts.Expression, symbol: ts.Symbol): boolean {
  const e = skipParentheses(condition);
  const isParameter = (node: ts.Expression) =>
    ts.isIdentifier(skipParentheses(node)) && cx.checker.getSymbolAtLocation(skipParentheses(node)) === symbol;
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return isParameter(e.operand);
  if (!ts.isBinaryExpression(e) || equalities.get(e.operatorToken.kind) !== true) return false;
  const isNothing = (node: ts.Expression) => {
    const n = skipParentheses(node);
    return (
      ts.isVoidExpression(n) || n.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(n) && n.text === "undefined")
    );
  };
  return (isParameter(e.left) && isNothing(e.right)) || (isParameter(e.right) && isNothing(e.left));
}

/** Rejects writing back an argument whose variable the call changed another way (an argument
 * after it, say): the object the parameter held would replace that change. */
function rejectChangedMeanwhile(cx: LoweringContext, site: ts.Node, argument: ts.Expression, entry: Value): void {
  const variable = callerVariable(cx, argument);
  const now = variable && cx.env.get(variable);
  if (!now || now === entry) return;
  cx.fail(
    site,
    "AD1004",
    `this call writes into '${argument.getText()}' through a parameter while '${argument.getText()}' is also changed another way`,
    `make the other change before or after the call`,
  );
}

/**
 * Rejects writing back an object whose nested objects the call changed (`target.inner = v`):
 * the caller's object would hold another object of the caller's (`v`, `this`), which the
 * compiler copies and JavaScript shares, so a later write into it would not be seen there.
 */
function rejectNestedWrites(
  cx: LoweringContext,
  site: ts.Node,
  argument: ts.Expression,
  entry: Value,
  object: Value,
): void {
  const [before, after] = [fieldsOf(cx, entry), fieldsOf(cx, object)];
  const nested = [...new Set([...before.keys(), ...after.keys()])].find(
    (path) => path.includes(".") && before.get(path) !== after.get(path),
  );
  if (nested === undefined) return;
  cx.fail(
    site,
    "AD1004",
    `this call writes the nested object '${argument.getText()}.${nested.slice(0, nested.lastIndexOf("."))}' through a parameter: that object may be another one of the caller's too`,
    "write only number fields of an object passed to be written into, or return the new object",
  );
}

/** The variable (or `this`) of the caller an argument or receiver names; undefined for others. */
function callerVariable(cx: LoweringContext, expression: ts.Expression): ts.Symbol | undefined {
  const e = skipParentheses(expression);
  if (e.kind === ts.SyntaxKind.ThisKeyword) return cx.thisBinding?.symbol;
  return ts.isIdentifier(e) ? cx.checker.getSymbolAtLocation(e) : undefined;
}

/** A name of the member for one object of the caller: a parameter, or `this`. */
type Name = ts.Symbol | "this";

/**
 * Rejects a call whose receiver and parameters name one object of the caller when a write
 * through one of the names would not be seen through another (see the file's comment).
 */
function rejectSharedArguments(
  cx: LoweringContext,
  site: ts.Node,
  member: FunctionNode,
  bound: readonly ObjectArgument[],
  written: readonly ObjectArgument[],
): void {
  const callee = ts.isCallExpression(site) ? skipParentheses(site.expression) : undefined;
  const receiver = callee && ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
  for (const { argument } of written) {
    const variable = callerVariable(cx, argument);
    if (!variable) continue;
    const names: Name[] = bound.filter((b) => callerVariable(cx, b.argument) === variable).map((b) => b.symbol);
    if (receiver && callerVariable(cx, receiver) === variable) names.push("this");
    if (names.length < 2 || seenThroughEveryName(cx, member, names)) continue;
    const named = names.map((n) => (n === "this" ? "its receiver" : `'${n.name}'`));
    cx.fail(
      site,
      "AD1004",
      `'${argument.getText()}' is passed to '${member.name?.getText() ?? "the constructor"}' as ${named.slice(0, -1).join(", ")} and ${named.at(-1)}, and a write through one of those names would not be seen through another`,
      `pass a copy instead (${argument.getText()}.clone(), or a new instance)`,
    );
  }
}

/** Whether, in `member`, each of `names` sees the writes through the others: one name writes,
 * no field is read through another after it wrote it, and every use is a field access, a test
 * or a return outside loops and nested functions. */
function seenThroughEveryName(cx: LoweringContext, member: FunctionNode, names: readonly Name[]): boolean {
  const nameOf = (node: ts.Node): Name | undefined => {
    if (node.kind === ts.SyntaxKind.ThisKeyword) return names.includes("this") ? "this" : undefined;
    if (!ts.isIdentifier(node)) return undefined;
    const symbol = cx.checker.getSymbolAtLocation(node);
    return symbol && names.includes(symbol) ? symbol : undefined;
  };
  let writer: Name | undefined;
  const writtenFields = new Set<string>();
  let seen = true;
  const use = (node: ts.Node, name: Name, inLoopOrFunction: boolean): void => {
    const parent = node.parent;
    const isTest = ts.isBinaryExpression(parent) && equalities.has(parent.operatorToken.kind);
    if (isTest || ts.isReturnStatement(parent)) return;
    if (inLoopOrFunction || !ts.isPropertyAccessExpression(parent) || parent.expression !== node) {
      seen = false;
      return;
    }
    const field = parent.name.text;
    if (assignmentTarget(parent.parent) === parent) {
      if (writer !== undefined && writer !== name) seen = false;
      writer = name;
      writtenFields.add(field);
    } else if (writer !== undefined && writer !== name && writtenFields.has(field)) {
      seen = false;
    }
  };
  const visit = (node: ts.Node, inLoopOrFunction: boolean): void => {
    if (!seen) return;
    // The branch giving a parameter left out its default is not taken: the call passes it.
    if (ts.isIfStatement(node) && names.some((n) => n !== "this" && testsUndefined(cx, node.expression, n))) {
      if (node.elseStatement) visit(node.elseStatement, inLoopOrFunction);
      return;
    }
    const name = nameOf(node);
    if (name !== undefined) use(node, name, inLoopOrFunction);
    const enters = ts.isIterationStatement(node, false) || (ts.isFunctionLike(node) && node !== member);
    // An assignment evaluates its right side before it writes.
    const children =
      assignmentTarget(node) && ts.isBinaryExpression(node) ? [node.right, node.left] : node.getChildren();
    for (const child of children) visit(child, inLoopOrFunction || enters);
  };
  if (member.body) visit(member.body, false);
  return seen;
}

// ----- what a method returns -----

/** What a `return` of a method gives: `this`, a new instance, the parameter at a position. */
type Returned = "this" | "new" | number | "other";

/** What the returns of a method give; empty for a method without a value. */
function returnedValues(cx: LoweringContext, method: FunctionNode): Set<Returned> {
  const returned = new Set<Returned>();
  // A parameter is followed when it holds its argument or a new object (`target = new Vec3()`);
  // a default of `this` or of another object would be returned in its place.
  const parameters = method.parameters.map((p) => {
    const symbol = cx.checker.getSymbolAtLocation(p.name);
    const fresh = (e: ts.Expression | undefined) => e === undefined || isNewObject(cx, e);
    return symbol && fresh(p.initializer) && assignedValues(cx, method, symbol).every(fresh) ? symbol : undefined;
  });
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node) && node.expression) {
      const e = skipParentheses(node.expression);
      const symbol = ts.isIdentifier(e) ? cx.checker.getSymbolAtLocation(e) : undefined;
      const k = symbol ? parameters.indexOf(symbol) : -1;
      returned.add(
        e.kind === ts.SyntaxKind.ThisKeyword ? "this" : ts.isNewExpression(e) ? "new" : k >= 0 ? k : "other",
      );
    }
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  if (method.body) visit(method.body);
  return returned;
}

/** What the body of `fn` assigns to a variable (`p = e`, each `e`). */
function assignedValues(cx: LoweringContext, fn: FunctionNode, symbol: ts.Symbol): ts.Expression[] {
  const values: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(node.left) &&
      cx.checker.getSymbolAtLocation(node.left) === symbol
    ) {
      values.push(node.right);
    }
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return values;
}

/** The method with a body a property access calls: a class's of the project, or for a
 * package's class declared in its typings, the one of its JavaScript. */
export function calledMethod(
  cx: LoweringContext,
  access: ts.PropertyAccessExpression,
): (ts.MethodDeclaration & { body: ts.Block }) | undefined {
  const declarations = classMembers(cx, access.name);
  const method =
    declarations &&
    libraryOverloads(declarations)
      .map((d) => (d.getSourceFile().isDeclarationFile ? (libraryMember(cx.checker, d) ?? d) : d))
      .find(ts.isMethodDeclaration);
  return method?.body ? (method as ts.MethodDeclaration & { body: ts.Block }) : undefined;
}

/** False for a method every return of which gives a new instance or one of its parameters
 * (whose arguments are asked about where they are passed): its call never names its receiver. */
export function mayReturnReceiver(cx: LoweringContext, method: FunctionNode): boolean {
  return [...returnedValues(cx, method)].some((r) => r === "this" || r === "other");
}

/**
 * How a method may hand on the argument at `position` through its value: "other" when a return
 * gives something the compiler does not follow, "returned" when it returns that parameter,
 * "kept" otherwise (its other uses decide).
 */
export function returnsArgument(
  cx: LoweringContext,
  method: FunctionNode,
  position: number,
): "other" | "returned" | "not" {
  const returned = returnedValues(cx, method);
  if (returned.has("other")) return "other";
  return returned.has(position) ? "returned" : "not";
}

/**
 * For an object passed to a helper returning an object that is not always a new one (`addInto(out,
 * a, b)` returning `out`): whether the call may give the argument another name, by returning
 * it where its value is kept, or by a use in the helper that may (see mayAlias).
 */
export function helperHandsOn(
  cx: LoweringContext,
  call: ts.CallExpression,
  argument: ts.Node,
  helper: FunctionNode,
): boolean {
  const position = call.arguments.indexOf(argument as ts.Expression);
  const parameter = helper.parameters[position];
  const returned = returnsArgument(cx, helper, position);
  if (returned === "other" || !parameter || !ts.isIdentifier(parameter.name) || helpersAsked.has(helper)) return true;
  if (returned === "returned" && mayAlias(cx, call)) return true;
  const symbol = cx.checker.getSymbolAtLocation(parameter.name);
  helpersAsked.add(helper);
  let handsOn = false;
  const visit = (node: ts.Node): void => {
    if (handsOn) return;
    // Returning it was answered above; assigning the parameter hands nothing on.
    const isUse =
      ts.isIdentifier(node) &&
      !ts.isReturnStatement(node.parent) &&
      assignmentTarget(node.parent) !== node &&
      cx.checker.getSymbolAtLocation(node) === symbol;
    if (isUse) handsOn = mayAlias(cx, node);
    ts.forEachChild(node, visit);
  };
  try {
    if (helper.body) visit(helper.body);
  } finally {
    helpersAsked.delete(helper);
  }
  return handsOn;
}

/** The helpers helperHandsOn is asking about: one calling itself may hand on anything. */
const helpersAsked = new Set<ts.Node>();

// ----- what a loop's calls write -----

/** The arguments (variables or `this`) that a call at `node` may write into, through a
 * parameter of the method or helper it inlines: what a loop calling it carries. */
export function writtenArguments(cx: LoweringContext, node: ts.Node): ts.Expression[] {
  if (!ts.isCallExpression(node)) return [];
  return node.arguments.filter((argument, k) => {
    const e = skipParentheses(argument);
    const named = ts.isIdentifier(e) || e.kind === ts.SyntaxKind.ThisKeyword;
    return named && callWritesParameter(cx, node, k, new Set());
  });
}

function callWritesParameter(
  cx: LoweringContext,
  call: ts.CallExpression,
  position: number,
  seen: Set<ts.Node>,
): boolean {
  const callee = skipParentheses(call.expression);
  const method = ts.isPropertyAccessExpression(callee) ? calledMethod(cx, callee) : helperOf(cx.checker, callee);
  const parameter = method?.parameters[position];
  if (!method || !parameter || !ts.isIdentifier(parameter.name) || seen.has(method)) return false;
  seen.add(method);
  const symbol = cx.checker.getSymbolAtLocation(parameter.name);
  const names = (e: ts.Expression | undefined) => {
    while (e && ts.isPropertyAccessExpression(e)) e = e.expression;
    return e !== undefined && ts.isIdentifier(e) && cx.checker.getSymbolAtLocation(e) === symbol;
  };
  let writes = false;
  const visit = (node: ts.Node): void => {
    if (writes) return;
    const target = assignmentTarget(node);
    if (target && ts.isPropertyAccessExpression(target) && names(target)) writes = true;
    if (names(changedReceiver(cx, node))) writes = true;
    if (ts.isCallExpression(node)) {
      node.arguments.forEach((argument, k) => {
        if (names(skipParentheses(argument)) && callWritesParameter(cx, node, k, seen)) writes = true;
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(method.body!);
  return writes;
}
