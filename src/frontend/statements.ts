/**
 * Statements and blocks, in order: declarations, expression statements, `return`, `break` and
 * `continue`, and the `if` statements and loops that leave the function or the loop iteration
 * early, whose following statements are lowered into their branches.
 */
import { ts } from "ts-morph";
import type { LoopContext, LoweringContext, Outcome } from "./context.js";
import { lowerBranches, lowerIf } from "./control-flow.js";
import { lowerCall } from "./calls.js";
import { lowerCondition, lowerExpression } from "./expressions.js";
import { isFunctionPropertyAssignment } from "./function-properties.js";
import { isUntypedJavaScript } from "./library.js";
import { declareFunction, holdsFunctions } from "./functions.js";
import { assignsFunctionVariable, declaresFunctionVariable } from "./function-variables.js";
import { breaksOutOf, lowerLoop } from "./loops.js";
import { bindPattern } from "./objects.js";
import { continuesOutOf, leaveAfterInnerLoop, lowerOuterContinue } from "./labeled-continue.js";
import { lowerSwitch } from "./switch.js";
import { variableType } from "./uninitialized-variables.js";
import { lowerThrow } from "./throw.js";
import { containsReturn, isLoopStatement } from "./syntax.js";
import { takenBranch } from "./guards.js";
import { afterError, lowerRecovering } from "./recovery.js";
import { lowerSpecialisedReturn } from "./package-recursion.js";
import { lowerNullReturn } from "./null-returns.js";

/**
 * Lowers statements in order. Returns the returned value when every path through them returns
 * (outside loops), "exits" when they leave the current loop iteration on every path (break,
 * continue, return inside a loop: the statements after an exiting `if` are lowered into its
 * branches), undefined when they fall through. `endsIteration` marks the statements that end
 * a loop's body, after which its update (the i++ of a for loop) runs.
 */
export function lowerStatements(
  cx: LoweringContext,
  statements: readonly ts.Statement[],
  endsIteration = false,
): Outcome {
  for (const [i, statement] of statements.entries()) {
    const rest = statements.slice(i + 1);
    if (ts.isBlock(statement)) return lowerStatements(cx, [...statement.statements, ...rest], endsIteration);
    cx.builder.loc = cx.location(statement);
    const recovery = afterError(cx, statement);
    if (recovery === "skip") continue;
    if (recovery === "stop") return undefined;
    if (ts.isReturnStatement(statement)) return lowerReturn(cx, statement);
    const taken = ts.isIfStatement(statement) ? takenBranch(cx, statement) : undefined;
    if (taken) return lowerStatements(cx, [...taken, ...rest], endsIteration);
    if (ts.isThrowStatement(statement)) return lowerThrow(cx, statement);
    if (ts.isSwitchStatement(statement)) return lowerSwitch(cx, statement, rest, endsIteration);
    if (ts.isBreakStatement(statement)) {
      cx.env.set(targetLoop(cx, statement).broken!, cx.boolean(true));
      return "exits";
    }
    if (ts.isContinueStatement(statement)) {
      const target = targetLoop(cx, statement);
      if (target !== cx.loops.at(-1)) return lowerOuterContinue(cx, target);
      target.update?.();
      return "exits";
    }
    if (ts.isIfStatement(statement) && exitsIteration(cx, statement)) {
      const condition = lowerCondition(cx, statement.expression);
      const thenBranch = [statement.thenStatement, ...rest];
      const elseBranch = statement.elseStatement ? [statement.elseStatement, ...rest] : rest;
      return lowerBranches(
        cx,
        statement,
        condition,
        () => lowerStatements(cx, thenBranch, endsIteration),
        () => lowerStatements(cx, elseBranch, endsIteration),
      );
    }
    const loop = ts.isLabeledStatement(statement) ? statement.statement : statement;
    const leavesEarly = (loop: ts.IterationStatement) =>
      containsReturn(loop) || breaksOutOf(cx, loop).length > 0 || continuesOutOf(cx, loop).length > 0;
    if (isLoopStatement(loop) && leavesEarly(loop)) {
      lowerLoop(cx, loop, ts.isLabeledStatement(statement) ? statement.label.text : undefined);
      return afterExitingLoop(cx, statement, loop, rest, endsIteration);
    }
    lowerRecovering(cx, statement, () => lowerStatement(cx, statement));
  }
  if (endsIteration) cx.innermostLoop().update?.();
  return undefined;
}

/** `return e`: the returned value, or outside the function's own level, flags leaving every loop. */
function lowerReturn(cx: LoweringContext, statement: ts.ReturnStatement): Outcome {
  const specialised = lowerSpecialisedReturn(cx, statement);
  if (specialised) return specialised;
  const nullReturn = lowerNullReturn(cx, statement);
  if (nullReturn) return nullReturn;
  if (!statement.expression) {
    cx.fail(
      statement,
      "AD1003",
      "'return;' without a value is not supported yet",
      "write the function with if/else so that it ends without a bare return",
    );
  }
  const value = cx.expectType(statement.expression, lowerExpression(cx, statement.expression), cx.returnType);
  if (cx.loops.length === 0) return value;
  if (value.type === "object") {
    cx.fail(
      statement,
      "AD1003",
      "returning an object from inside a loop is not supported yet",
      "leave the loop with break and return after it",
    );
  }
  const { returned, returnValue } = cx.returnFlags();
  cx.env.set(returned, cx.boolean(true));
  cx.env.set(returnValue, value);
  return "exits";
}

/**
 * After a loop that may return or break out of an enclosing loop: the rest runs only when it
 * did not.
 */
function afterExitingLoop(
  cx: LoweringContext,
  statement: ts.Statement,
  loop: ts.IterationStatement,
  rest: readonly ts.Statement[],
  endsIteration: boolean,
): Outcome {
  const flags = breaksOutOf(cx, loop).map((context) => cx.env.get(context.broken!)!);
  flags.push(...continuesOutOf(cx, loop).map((context) => cx.env.get(context.continued!)!));
  if (containsReturn(loop)) flags.push(cx.env.get(cx.returnFlags().returned)!);
  const left = flags.reduce((any, flag) => cx.builder.emit("or", [any, flag], "boolean"));
  if (cx.loops.length === 0) {
    const { returnValue } = cx.returnFlags();
    // When the rest falls through, TypeScript has proved the loop only ends by returning.
    return lowerBranches(
      cx,
      statement,
      left,
      () => cx.env.get(returnValue)!,
      () => {
        const outcome = lowerStatements(cx, rest);
        return typeof outcome === "object" ? outcome : cx.env.get(returnValue)!;
      },
    );
  }
  return lowerBranches(
    cx,
    statement,
    left,
    () => leaveAfterInnerLoop(cx, statement, left),
    () => lowerStatements(cx, rest, endsIteration),
  );
}

/** True for an `if` containing a return, or a break or continue of a loop being lowered. */
function exitsIteration(cx: LoweringContext, statement: ts.IfStatement): boolean {
  if (containsReturn(statement)) return true;
  let exits = false;
  // An unlabeled break leaves the innermost loop or switch; an unlabeled continue, the loop.
  const visit = (node: ts.Node, innerLoops: number, innerSwitches: number): void => {
    const unlabeledTarget = ts.isContinueStatement(node) ? innerLoops === 0 : innerLoops + innerSwitches === 0;
    if ((ts.isBreakStatement(node) || ts.isContinueStatement(node)) && (node.label || unlabeledTarget)) {
      exits ||= node.label === undefined || cx.loops.some((l) => l.label === node.label!.text);
    }
    if (ts.isFunctionLike(node)) return;
    const loops = isLoopStatement(node) ? innerLoops + 1 : innerLoops;
    const switches = ts.isSwitchStatement(node) ? innerSwitches + 1 : innerSwitches;
    ts.forEachChild(node, (child) => visit(child, loops, switches));
  };
  visit(statement, 0, 0);
  return exits && cx.loops.length > 0;
}

function targetLoop(cx: LoweringContext, statement: ts.BreakOrContinueStatement): LoopContext {
  const loops = cx.loops;
  const target = statement.label ? loops.find((l) => l.label === statement.label!.text) : loops[loops.length - 1];
  if (!target) return cx.unsupported(statement);
  return target;
}

/** A statement that neither returns nor leaves a loop early. */
function lowerStatement(cx: LoweringContext, statement: ts.Statement): void {
  if (ts.isVariableStatement(statement)) {
    lowerVariableStatement(cx, statement);
  } else if (isFunctionPropertyAssignment(cx, statement)) {
    // Read where the property is used (see function-properties.ts).
  } else if (ts.isExpressionStatement(statement)) {
    const expression = statement.expression;
    if (ts.isCallExpression(expression)) lowerCall(cx, expression);
    else if (!assignsFunctionVariable(cx, expression)) lowerExpression(cx, expression);
  } else if (ts.isIfStatement(statement)) {
    lowerIf(cx, statement);
  } else if (isLoopStatement(statement)) {
    lowerLoop(cx, statement);
  } else if (ts.isLabeledStatement(statement) && isLoopStatement(statement.statement)) {
    lowerLoop(cx, statement.statement, statement.label.text);
  } else if (ts.isFunctionDeclaration(statement) && statement.body) {
    // Hoisted: a call finds the function by its name and inlines it (see functions.ts).
  } else if (!ts.isEmptyStatement(statement)) {
    cx.unsupported(statement);
  }
}

/** `const x = e`, `let v: Vec2;`, `const { a, b } = p`. */
function lowerVariableStatement(cx: LoweringContext, statement: ts.VariableStatement): void {
  for (const declaration of statement.declarationList.declarations) {
    if (!ts.isIdentifier(declaration.name) && declaration.initializer) {
      bindPattern(cx, declaration.name, lowerExpression(cx, declaration.initializer));
      continue;
    }
    if (!ts.isIdentifier(declaration.name)) cx.unsupported(declaration);
    if (declaresFunctionVariable(cx, declaration)) continue;
    if (holdsFunctions(cx, declaration.name)) {
      declareFunction(cx, declaration);
      continue;
    }
    const symbol = cx.symbolOf(declaration.name);
    if (declaration.initializer && isUntypedJavaScript(cx.checker, declaration.name)) {
      cx.bind(symbol, lowerExpression(cx, declaration.initializer));
      continue;
    }
    const type = variableType(cx, declaration.name);
    if (declaration.initializer) {
      const value = cx.expectType(declaration.initializer, lowerExpression(cx, declaration.initializer), type);
      cx.bind(symbol, value);
    }
  }
}
