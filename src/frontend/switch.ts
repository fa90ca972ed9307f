/**
 * `switch` statements: a chain of `if`s, one per group of case labels that share their
 * statements, tested in source order; the default's statements are the last `else`. The
 * statements a case runs are its own and, falling through, those of the cases after it, up to
 * the `break` that ends a case (or a return, continue or throw). A `break` anywhere else in a
 * case (inside an `if`) is refused.
 *
 * When a case returns or leaves the enclosing loop's iteration, the statements after the
 * switch are lowered into each branch that falls out of it, as for an `if` that returns.
 */
import { ts } from "ts-morph";
import type { Value } from "../ir/types.js";
import type { LoweringContext, Outcome } from "./context.js";
import { lowerBranches } from "./control-flow.js";
import { lowerExpression } from "./expressions.js";
import { lowerStatements } from "./statements.js";
import { containsReturn, isLoopStatement } from "./syntax.js";
import { foldStringComparison } from "./string-values.js";

/** Case labels that share their statements (empty clauses before one with statements), and
 * the index of that clause, where the statements they run start. */
interface Group {
  tests: ts.Expression[];
  start: number;
  isDefault: boolean;
}

export function lowerSwitch(
  cx: LoweringContext,
  statement: ts.SwitchStatement,
  rest: readonly ts.Statement[],
  endsIteration: boolean,
): Outcome {
  const clauses = statement.caseBlock.clauses;
  clauses.forEach((clause) => rejectInnerBreaks(cx, clause));
  const groups = groupsOf(clauses);
  const discriminant = lowerExpression(cx, statement.expression);
  const exits = leavesThroughSwitch(cx, statement);
  const after = exits ? rest : [];
  const fallback = groups.find((group) => group.isDefault);
  const tested = groups.filter((group) => group.tests.length > 0);
  const lowerFrom = (start: number | undefined): Outcome =>
    lowerStatements(cx, [...(start === undefined ? [] : runFrom(clauses, start)), ...after], exits && endsIteration);
  // JavaScript tests the labels in source order, the default's too, and runs the default last.
  const chain = (k: number): Outcome => {
    const group = tested[k];
    if (!group) return lowerFrom(fallback?.start);
    return lowerBranches(
      cx,
      statement,
      matches(cx, discriminant, group.tests),
      () => lowerFrom(group.start),
      () => chain(k + 1),
    );
  };
  const outcome = chain(0);
  if (exits || outcome === "throws") return outcome;
  return lowerStatements(cx, rest, endsIteration);
}

function groupsOf(clauses: readonly ts.CaseOrDefaultClause[]): Group[] {
  const groups: Group[] = [];
  let tests: ts.Expression[] = [];
  let isDefault = false;
  clauses.forEach((clause, k) => {
    if (ts.isDefaultClause(clause)) isDefault = true;
    else tests.push(clause.expression);
    if (clause.statements.length === 0 && k < clauses.length - 1) return;
    groups.push({ tests, start: k, isDefault });
    tests = [];
    isDefault = false;
  });
  return groups;
}

/** `d === a || d === b`: whether the discriminant equals one of the labels. */
function matches(cx: LoweringContext, discriminant: Value, tests: ts.Expression[]): Value {
  const equalities = tests.map((test) => {
    const label = cx.expectType(test, lowerExpression(cx, test), discriminant.type);
    return (
      foldStringComparison(cx, "eq", discriminant, label) ?? cx.builder.emit("eq", [discriminant, label], "boolean")
    );
  });
  return equalities.reduce((any, next) => cx.builder.emit("or", [any, next], "boolean"));
}

/** A clause's statements, those of a block that is all of it (`case 1: { ... }`) unwrapped. */
function statementsOf(clause: ts.CaseOrDefaultClause): readonly ts.Statement[] {
  const [only] = clause.statements;
  return clause.statements.length === 1 && only && ts.isBlock(only) ? only.statements : clause.statements;
}

function isPlainBreak(statement: ts.Statement | undefined): boolean {
  return statement !== undefined && ts.isBreakStatement(statement) && statement.label === undefined;
}

/** The statements run from clause `start`: its own and the following clauses', up to a `break`. */
function runFrom(clauses: readonly ts.CaseOrDefaultClause[], start: number): ts.Statement[] {
  const run: ts.Statement[] = [];
  for (const clause of clauses.slice(start)) {
    const statements = statementsOf(clause);
    if (isPlainBreak(statements.at(-1))) return [...run, ...statements.slice(0, -1)];
    run.push(...statements);
  }
  return run;
}

/** Refuses a `break` of the switch that is not the last statement of its case. */
function rejectInnerBreaks(cx: LoweringContext, clause: ts.CaseOrDefaultClause): void {
  const statements = statementsOf(clause);
  const last = statements.at(-1);
  const visit = (node: ts.Node): void => {
    if (ts.isBreakStatement(node) && node.label === undefined && node !== last) {
      cx.fail(
        node,
        "AD1003",
        "a 'break' inside a case of a switch is supported only as the last statement of the case",
        "end the case with its break, and put the statements it skips under an if (or its negation)",
      );
    }
    if (!ts.isFunctionLike(node) && !isLoopStatement(node) && !ts.isSwitchStatement(node)) {
      ts.forEachChild(node, visit);
    }
  };
  statements.forEach(visit);
}

/** True when a case returns, or continues or breaks out of a loop around the switch. */
function leavesThroughSwitch(cx: LoweringContext, statement: ts.SwitchStatement): boolean {
  if (containsReturn(statement)) return true;
  let leaves = false;
  const visit = (node: ts.Node, insideLoop: boolean): void => {
    if (ts.isContinueStatement(node) || ts.isBreakStatement(node)) {
      const label = node.label?.text;
      const outward =
        label === undefined ? ts.isContinueStatement(node) && !insideLoop : cx.loops.some((l) => l.label === label);
      leaves ||= outward;
    }
    if (ts.isFunctionLike(node)) return;
    ts.forEachChild(node, (child) => visit(child, insideLoop || isLoopStatement(node)));
  };
  statement.caseBlock.clauses.forEach((clause) => visit(clause, false));
  return leaves;
}
