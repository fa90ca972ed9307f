/**
 * Which constructs each corpus objective uses, found in its differentiable function's syntax
 * with the type checker: a rejection names only the first obstacle, this lists them all, so
 * that the corpus says what accepting an objective takes (and how many objectives a construct
 * would unlock).
 */
import { Project, ts } from "ts-morph";
import { compilerOptionsFor } from "../../src/frontend/program.js";
import type { Objective } from "./corpus.js";

/** A construct, and how to recognize one use of it: a node of the function's body. */
interface ConstructRule {
  name: string;
  matches(node: ts.Node, checker: ts.TypeChecker, program: ts.Program): boolean;
}

/** Whether a symbol (through imports) is declared in a package's files. */
function declaredInPackage(symbol: ts.Symbol | undefined, checker: ts.TypeChecker): boolean {
  if (!symbol) return false;
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return (target.declarations ?? []).some((d) => d.getSourceFile().fileName.includes("/node_modules/"));
}

const arrayCallbackMethods = new Set(["map", "filter", "reduce", "forEach", "some", "every", "find"]);

/** The value a call's callee names: `f` in `f(x)`, `vec3.add` in `vec3.add(...)`. */
const calleeSymbol = (call: ts.CallExpression | ts.NewExpression, checker: ts.TypeChecker) =>
  checker.getSymbolAtLocation(ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression);

const constructRules: ConstructRule[] = [
  {
    name: "calls into a package (its JavaScript)",
    matches: (node, checker) =>
      (ts.isCallExpression(node) || ts.isNewExpression(node)) &&
      !(ts.isPropertyAccessExpression(node.expression) && arrayCallbackMethods.has(node.expression.name.text)) &&
      declaredInPackage(calleeSymbol(node, checker), checker),
  },
  { name: "`new` of a class", matches: (node) => ts.isNewExpression(node) },
  {
    name: "method calls on an object (`a.vsub(b)`)",
    matches: (node, checker, program) => {
      if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
      const receiver = checker.getSymbolAtLocation(node.expression.expression);
      // A namespace (`vec3.add`, `ss.mean`, `Matter.Vector.sub`) is not an object receiver.
      const isNamespace = (s: ts.Symbol | undefined): boolean =>
        s !== undefined &&
        ((s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags &
          (ts.SymbolFlags.Module | ts.SymbolFlags.Class | ts.SymbolFlags.Enum)) !==
          0;
      // Nor is a class (`Vector.sub` after `const { Vector } = Matter`): that is a static call.
      const receiverType = checker.getTypeAtLocation(node.expression.expression);
      const isClass = receiverType.getConstructSignatures().length > 0;
      // Nor are the environment's objects (`Math.sin`).
      const isGlobal = (receiver?.declarations ?? []).some((d) =>
        program.isSourceFileDefaultLibrary(d.getSourceFile()),
      );
      return !isNamespace(receiver) && !isClass && !isGlobal && !checker.isArrayLikeType(receiverType);
    },
  },
  {
    name: "array methods with a callback (`xs.map(...)`)",
    matches: (node) =>
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      arrayCallbackMethods.has(node.expression.name.text) &&
      node.arguments.some((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a)),
  },
  {
    name: "closures (arrow functions in the body)",
    matches: (node) => ts.isArrowFunction(node) || ts.isFunctionExpression(node),
  },
  {
    name: "calls through a function value (a package's result, a closure)",
    matches: (node, checker) => {
      if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression)) return false;
      const symbol = checker.getSymbolAtLocation(node.expression);
      return (symbol?.declarations ?? []).some((d) => ts.isVariableDeclaration(d) || ts.isParameter(d));
    },
  },
  {
    name: "destructuring",
    matches: (node) => ts.isArrayBindingPattern(node) || ts.isObjectBindingPattern(node),
  },
  {
    name: "object literals passed to or returned from calls",
    matches: (node) => ts.isObjectLiteralExpression(node) && ts.isCallLikeExpression(node.parent),
  },
];

/** The differentiable functions of a file: those with the tag in their JSDoc. */
function differentiableFunctions(sourceFile: ts.SourceFile): ts.FunctionDeclaration[] {
  return sourceFile.statements.filter(
    (s): s is ts.FunctionDeclaration =>
      ts.isFunctionDeclaration(s) && ts.getJSDocTags(s).some((tag) => tag.tagName.text === "differentiable"),
  );
}

/** For each objective (by id), the names of the constructs its differentiable functions use. */
export function constructsOf(objectives: Objective[]): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  if (objectives.length === 0) return uses;
  const project = new Project({ compilerOptions: compilerOptionsFor(objectives.map((o) => o.source)) });
  for (const objective of objectives) project.addSourceFileAtPath(objective.source);
  const program = project.getProgram().compilerObject;
  const checker = program.getTypeChecker();
  for (const objective of objectives) {
    const found = new Set<string>();
    const visit = (node: ts.Node) => {
      for (const rule of constructRules) if (rule.matches(node, checker, program)) found.add(rule.name);
      ts.forEachChild(node, visit);
    };
    for (const fn of differentiableFunctions(program.getSourceFile(objective.source)!)) if (fn.body) visit(fn.body);
    uses.set(
      objective.id,
      constructRules.map((r) => r.name).filter((name) => found.has(name)),
    );
  }
  return uses;
}
