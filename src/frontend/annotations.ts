/**
 * Finds the functions marked `@differentiable` in a source file: top-level function
 * declarations, and `const f = (...) => ...` / `const f = function (...) {...}` whose variable
 * statement carries the tag. Parses `@differentiable(wrt: a, b)`.
 */
import { ts } from "ts-morph";
import { DiagnosticError } from "../diagnostics.js";
import { locate } from "./program.js";

export type FunctionNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

export interface DifferentiableFunction {
  name: string;
  node: FunctionNode;
  /** The parameter names given by `wrt`, or undefined for "every differentiable parameter". */
  wrt?: { names: string[]; tag: ts.JSDocTag };
}

const tagName = "differentiable";
const wrtPattern = /^\(\s*wrt\s*:\s*([A-Za-z_$][\w$]*(?:\s*,\s*[A-Za-z_$][\w$]*)*)\s*\)/;

function differentiableTag(node: ts.Node): ts.JSDocTag | undefined {
  return ts.getJSDocTags(node).find((tag) => tag.tagName.text === tagName);
}

function parseWrt(tag: ts.JSDocTag, sourceFile: ts.SourceFile): DifferentiableFunction["wrt"] {
  const text = (ts.getTextOfJSDocComment(tag.comment) ?? "").trim();
  if (!text.startsWith("(") && !text.startsWith("wrt")) return undefined;
  const match = wrtPattern.exec(text);
  if (!match) {
    throw new DiagnosticError({
      code: "AD1011",
      severity: "error",
      message: `cannot read '@${tagName} ${text}'`,
      hint: `write '@${tagName}' for every parameter, or '@${tagName}(wrt: a, b)' to name them`,
      ...locate(sourceFile, tag.getStart(sourceFile)),
    });
  }
  return { names: match[1]!.split(",").map((name) => name.trim()), tag };
}

/** Each marked function, or a DiagnosticError for a malformed tag (collected by the caller). */
export function findDifferentiableFunctions(
  sourceFile: ts.SourceFile,
): (DifferentiableFunction | DiagnosticError)[] {
  const found: (DifferentiableFunction | DiagnosticError)[] = [];
  const add = (name: string, node: FunctionNode, tag: ts.JSDocTag) => {
    try {
      const wrt = parseWrt(tag, sourceFile);
      found.push(wrt ? { name, node, wrt } : { name, node });
    } catch (error) {
      if (!(error instanceof DiagnosticError)) throw error;
      found.push(error);
    }
  };
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
      const tag = differentiableTag(statement);
      if (tag) add(statement.name.text, statement, tag);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer;
        const tag = differentiableTag(declaration);
        if (tag && init && ts.isIdentifier(declaration.name) && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
          add(declaration.name.text, init, tag);
        }
      }
    }
  }
  return found;
}
