/**
 * Math functions under names of their own: `const { min, max, sqrt } = Math;` (module-level or
 * local, as library code writes it) makes `max(a, b)` the call `Math.max(a, b)`. Only a `const`
 * destructuring of `Math` itself counts: nothing can assign the names afterwards.
 */
import { ts } from "ts-morph";

/** The name of the Math function a callee names (`Math.max`, or `max` of such a destructuring). */
export function mathFunctionName(checker: ts.TypeChecker, callee: ts.Expression): string | undefined {
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression))
    return callee.expression.text === "Math" ? callee.name.text : undefined;
  if (!ts.isIdentifier(callee)) return undefined;
  const declaration = checker.getSymbolAtLocation(callee)?.valueDeclaration;
  if (!declaration || !ts.isBindingElement(declaration) || declaration.dotDotDotToken) return undefined;
  const pattern = declaration.parent;
  const variable = pattern.parent;
  if (!ts.isObjectBindingPattern(pattern) || !ts.isVariableDeclaration(variable)) return undefined;
  const isConst = (ts.getCombinedNodeFlags(variable) & ts.NodeFlags.Const) !== 0;
  const initializer = variable.initializer;
  if (!isConst || !initializer || !ts.isIdentifier(initializer) || initializer.text !== "Math") return undefined;
  const key = declaration.propertyName ?? declaration.name;
  return ts.isIdentifier(key) ? key.text : undefined;
}
