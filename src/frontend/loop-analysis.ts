/**
 * Questions about a loop asked before it is lowered, which neither emit IR nor throw: the
 * variables it carries, whether its body may change what an expression reads, and whether a
 * `for` loop is counted (and if not, why).
 */
import { ts } from "ts-morph";
import type { OpAttrs } from "../ir/attrs.js";
import type { Type } from "../ir/types.js";
import type { PrimitiveName } from "../rules/primitives.js";
import { changedReceiver, thisVariable } from "./classes.js";
import type { LoweringContext } from "./context.js";
import { assignmentsThroughFunctions, functionsReachedFrom } from "./functions.js";
import { isIterationLocal } from "./iteration-locals.js";
import { isOmittedParameter, rejectOmittedAssignedIn } from "./omitted-parameters.js";
import { writtenArguments } from "./object-arguments.js";
import {
  assignmentTarget,
  assignsSymbol,
  comparisons,
  compoundAssignments,
  counterStep,
  mutatingMethods,
  readsAny,
} from "./syntax.js";

/**
 * A variable declared outside a loop's body that the loop assigns. `unassigned` is its
 * declaration when it has no value yet (`let change: number;` first assigned in the loop):
 * TypeScript's definite assignment rules out reading it before, and it starts as a placeholder.
 */
export interface Carried {
  symbol: ts.Symbol;
  unassigned?: ts.VariableDeclaration;
}

/** The variables declared outside `loop` that its body (and its update and condition) assign:
 * the loop-carried values, in the order the loop first assigns them. */
export function carriedVariables(cx: LoweringContext, loop: ts.IterationStatement): Carried[] {
  const targets: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    const target = assignmentTarget(node) ?? changedReceiver(cx, node);
    if (target) targets.push(target);
    targets.push(...writtenArguments(cx, node));
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  [
    loop.statement,
    ...(ts.isForStatement(loop) ? [loop.incrementor, loop.condition] : []),
    ...(ts.isWhileStatement(loop) || ts.isDoStatement(loop) ? [loop.expression] : []),
  ].forEach((node) => node && visit(node));
  // Functions the loop calls may assign variables of the function too.
  targets.push(...assignmentsThroughFunctions(cx, loop));
  return carriedOf(cx, targets, loop.statement, loop);
}

/**
 * The variables a loop carries, given what it assigns (`targets`: variables, fields of object
 * variables, receivers of methods writing `this`): those declared outside `scope`, the loop's
 * body (the loop an array method becomes has its call as scope). `loop` is where the loop
 * starts, after which a variable declared without a value has none to carry in.
 */
export function carriedOf(
  cx: LoweringContext,
  targets: readonly ts.Expression[],
  scope: ts.Node,
  loop: ts.Node,
): Carried[] {
  const carried: Carried[] = [];
  for (let target of targets) {
    // `v.x = ...` assigns the object variable v.
    while (ts.isPropertyAccessExpression(target)) target = target.expression;
    const self = thisVariable(cx, target);
    if (self && !carried.some((c) => c.symbol === self)) carried.push({ symbol: self });
    const symbol = ts.isIdentifier(target) ? cx.checker.getSymbolAtLocation(target) : undefined;
    const declaration = symbol?.valueDeclaration;
    // Declared before the body: in an enclosing scope or in a for loop's initializer.
    const outside =
      declaration !== undefined &&
      (declaration.getSourceFile() !== scope.getSourceFile() ||
        !(declaration.getStart() >= scope.getStart(cx.sourceFile) && declaration.getEnd() <= scope.getEnd()));
    if (!symbol || !outside || carried.some((c) => c.symbol === symbol)) continue;
    if (cx.env.has(symbol)) {
      carried.push({ symbol });
    } else if (isOmittedParameter(cx, symbol)) {
      rejectOmittedAssignedIn(cx, target, symbol, "a loop");
    } else if (
      declaration.getSourceFile() === loop.getSourceFile() &&
      declaration.getEnd() <= loop.getStart(cx.sourceFile) &&
      ts.isVariableDeclaration(declaration) &&
      !isIterationLocal(cx, symbol, declaration, loop)
    ) {
      carried.push({ symbol, unassigned: declaration });
    }
  }
  return carried;
}

/** The IR type of a carried variable; undefined for an unassigned one of a type not supported. */
function carriedType(cx: LoweringContext, carried: Carried): Type | undefined {
  if (!carried.unassigned) return cx.env.get(carried.symbol)!.type;
  const type = cx.irType(cx.checker.getTypeAtLocation(carried.unassigned.name));
  return type === "void" ? undefined : type;
}

/** How a `for` op compares its counter with its bound: lt, le, gt or ge. */
export type LoopComparison = OpAttrs["for"]["comparison"];

/** The parts of a counted loop `for (let i = start; i < bound; i += step)`. */
export interface CountedParts {
  /** `let i = start`: an identifier with an initializer. */
  declaration: ts.VariableDeclaration & { name: ts.Identifier; initializer: ts.Expression };
  counter: ts.Symbol;
  boundExpression: ts.Expression;
  step: number;
  /** How the counter compares with the bound. */
  comparison: LoopComparison;
  carried: Carried[];
}

/** Why a loop is not counted: the reason as rejectLoop words it, and the node it points at. */
export interface NotCounted {
  at: ts.Node;
  reason: string;
}

export type CountedForm =
  | { counted: true; parts: CountedParts }
  | (NotCounted & {
      counted: false;
      /** When the header has the counted form and the body or the start rule it out: what it carries. */
      carried?: Carried[];
    });

type CountedHeader = Omit<CountedParts, "carried">;

/** The comparison that says the same with its sides swapped (i < n is n > i). */
const flipped: Readonly<Record<LoopComparison, LoopComparison>> = { lt: "gt", le: "ge", gt: "lt", ge: "le" };

function isLoopComparison(opcode: PrimitiveName | undefined): opcode is LoopComparison {
  return opcode !== undefined && opcode in flipped;
}

/**
 * Whether `for (let i = start; i < bound; i += step)` is in the counted form: the counter is not
 * assigned in the body, the step is an integer literal, the bound does not change in the loop,
 * the start is an integer. The answer is the loop's parts, or the first reason it is not.
 */
export function countedForm(cx: LoweringContext, statement: ts.ForStatement): CountedForm {
  const header = countedHeader(cx, statement);
  if ("reason" in header) return { counted: false, ...header };
  const { declaration, counter, boundExpression } = header;
  const carried = carriedVariables(cx, statement);
  const types = carried.map((c) => carriedType(cx, c));
  const unsupported = carried.find((_, k) => types[k] === undefined);
  if (unsupported) {
    const reason = `the type of '${unsupported.symbol.name}' is not supported`;
    return { counted: false, at: unsupported.unassigned!.name, reason };
  }
  const notCounted = (at: ts.Node, reason: string): CountedForm => ({ counted: false, at, reason, carried });
  const array = carried.find((_, k) => types[k] === "array");
  if (array) return notCounted(statement, carriedArrayReason(array.symbol));
  const symbols = carried.map((c) => c.symbol);
  if (symbols.includes(counter) || assignsSymbol(cx.checker, statement.statement, counter))
    return notCounted(statement, "the body assigns the counter");
  if (readsAny(cx.checker, boundExpression, symbols) || changedByBody(cx, boundExpression, statement.statement))
    return notCounted(boundExpression, "the bound changes inside the loop");
  // The reversed loop computes the counter's values again from its start: exact for integers.
  if (!isIntegerExpression(cx, declaration.initializer))
    return notCounted(declaration.initializer, "the start is not an integer");
  return { counted: true, parts: { ...header, carried } };
}

/** The reason a loop assigning an array variable is not supported. */
export function carriedArrayReason(array: ts.Symbol): string {
  return `the loop assigns the array variable '${array.name}'; write into its elements instead`;
}

/** The counter, update and condition of a counted loop, or why the header has another form. */
function countedHeader(cx: LoweringContext, statement: ts.ForStatement): CountedHeader | NotCounted {
  const { initializer, condition, incrementor } = statement;
  const declarations = initializer && ts.isVariableDeclarationList(initializer) ? initializer.declarations : undefined;
  const declaration = declarations?.length === 1 ? declarations[0] : undefined;
  if (!declaration || !ts.isIdentifier(declaration.name) || !declaration.initializer)
    return { at: statement, reason: "the initializer must declare one counter, as in let i = 0" };
  const counter = cx.checker.getSymbolAtLocation(declaration.name);
  if (!counter) return { at: declaration.name, reason: "the counter is not a variable" };
  const isCounter = (node: ts.Node) => ts.isIdentifier(node) && cx.checker.getSymbolAtLocation(node) === counter;
  const step = incrementor ? counterStep(incrementor, isCounter) : undefined;
  if (!incrementor || step === undefined)
    return {
      at: incrementor ?? statement,
      reason: "the update must be i++, i--, i += k or i -= k with an integer k",
    };
  if (!condition || !ts.isBinaryExpression(condition))
    return { at: condition ?? statement, reason: "the condition must compare the counter with a bound" };
  const written = comparisons.get(condition.operatorToken.kind);
  // `n > i` counts as `i < n`.
  const counterOnRight = isCounter(condition.right) && !isCounter(condition.left);
  if (!isLoopComparison(written) || !(counterOnRight || isCounter(condition.left)))
    return { at: condition, reason: "the condition must be i < bound, i <= bound, i > bound or i >= bound" };
  const comparison = counterOnRight ? flipped[written] : written;
  const boundExpression = counterOnRight ? condition.left : condition.right;
  if ((comparison === "lt" || comparison === "le") !== step > 0)
    return { at: incrementor, reason: "the update must move the counter towards the bound" };
  return { declaration: declaration as CountedHeader["declaration"], counter, boundExpression, step, comparison };
}

/**
 * True for expressions TypeScript's types and the source show to be integers: integer
 * literals, `int` parameters, lengths, counters of counted loops, `const`s holding such
 * values, Math.floor/ceil/round/trunc, and sums, differences and products of those.
 */
function isIntegerExpression(cx: LoweringContext, node: ts.Expression): boolean {
  if (ts.isNumericLiteral(node)) return Number.isInteger(Number(node.text));
  if (ts.isParenthesizedExpression(node)) return isIntegerExpression(cx, node.expression);
  if (ts.isPrefixUnaryExpression(node)) {
    return (
      (node.operator === ts.SyntaxKind.MinusToken || node.operator === ts.SyntaxKind.PlusToken) &&
      isIntegerExpression(cx, node.operand)
    );
  }
  if (ts.isPropertyAccessExpression(node)) return node.name.text === "length";
  if (ts.isBinaryExpression(node)) {
    const integerOperators = [ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken];
    return (
      integerOperators.includes(node.operatorToken.kind) &&
      isIntegerExpression(cx, node.left) &&
      isIntegerExpression(cx, node.right)
    );
  }
  if (ts.isCallExpression(node)) {
    return ["Math.floor", "Math.ceil", "Math.round", "Math.trunc"].includes(node.expression.getText(cx.sourceFile));
  }
  if (!ts.isIdentifier(node)) return false;
  const symbol = cx.checker.getSymbolAtLocation(node);
  if (!symbol) return false;
  if (cx.integerSymbols.has(symbol)) return true;
  const declaration = symbol.valueDeclaration;
  return (
    declaration !== undefined &&
    ts.isVariableDeclaration(declaration) &&
    (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0 &&
    declaration.initializer !== undefined &&
    isIntegerExpression(cx, declaration.initializer)
  );
}

/**
 * True when `body` may change what `expression` reads: an array whose elements it reads and
 * the body writes (element assignments, mutating methods, passing the array to a helper), or
 * an array whose `.length` it reads and the body grows (`push` and the like, or a write at
 * `a[a.length]`). Writing past the end of an array by any other index is not supported.
 */
export function changedByBody(cx: LoweringContext, expression: ts.Expression, body: ts.Node): boolean {
  const { written, grown } = arraysChangedBy(cx, body);
  let changed = false;
  const check = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const symbol = cx.checker.getSymbolAtLocation(node);
      const readsLength =
        ts.isPropertyAccessExpression(node.parent) &&
        node.parent.expression === node &&
        node.parent.name.text === "length";
      if (symbol && (readsLength ? grown : written).has(symbol)) changed = true;
    }
    ts.forEachChild(node, check);
  };
  check(expression);
  return changed;
}

/** The arrays `body` may write into, and those it may grow. */
function arraysChangedBy(cx: LoweringContext, body: ts.Node): { written: Set<ts.Symbol>; grown: Set<ts.Symbol> } {
  const written = new Set<ts.Symbol>();
  const grown = new Set<ts.Symbol>();
  const rootSymbol = (target: ts.Expression) => {
    let root = target;
    while (ts.isElementAccessExpression(root) || ts.isParenthesizedExpression(root)) root = root.expression;
    return ts.isIdentifier(root) ? cx.checker.getSymbolAtLocation(root) : undefined;
  };
  const noteWrite = (target: ts.ElementAccessExpression) => {
    const symbol = rootSymbol(target.expression);
    if (!symbol) return;
    written.add(symbol);
    if (readsAny(cx.checker, target.argumentExpression, [symbol])) grown.add(symbol);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      (node.operatorToken.kind === ts.SyntaxKind.EqualsToken || compoundAssignments.has(node.operatorToken.kind))
    ) {
      if (ts.isElementAccessExpression(node.left)) noteWrite(node.left);
    } else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      ts.isElementAccessExpression(node.operand)
    ) {
      noteWrite(node.operand);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isPropertyAccessExpression(callee) && mutatingMethods.has(callee.name.text)) {
        const symbol = rootSymbol(callee.expression);
        if (symbol) [written, grown].forEach((set) => set.add(symbol));
      }
      if (!(ts.isPropertyAccessExpression(callee) && callee.expression.getText(cx.sourceFile) === "Math")) {
        // A call can change an array it is passed (its elements, its length), not a number.
        for (const arg of node.arguments) {
          const byReference = cx.irType(cx.checker.getTypeAtLocation(arg)) === "array";
          const symbol = ts.isIdentifier(arg) && byReference ? cx.checker.getSymbolAtLocation(arg) : undefined;
          if (symbol) [written, grown].forEach((set) => set.add(symbol));
        }
      }
    }
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  visit(body);
  // Functions the body calls may change arrays too.
  for (const fn of functionsReachedFrom(cx, body)) if (fn.body) visit(fn.body);
  return { written, grown };
}
