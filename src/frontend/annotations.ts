/**
 * Finds the functions marked `@differentiable` in a source file: top-level function
 * declarations, `const f = (...) => ...` / `const f = function (...) {...}` whose variable
 * statement carries the tag, and methods of top-level classes (named `Vec3Length` for
 * `Vec3.length`). Parses `@differentiable(wrt: a, b)`.
 */
import { ts } from "ts-morph";
import { DiagnosticError } from "../diagnostics.js";
import { locate } from "./program.js";

/** A function whose body the compiler lowers: a function, or a method, constructor or accessor of a class. */
export type FunctionNode = ts.FunctionLikeDeclaration;

export interface DifferentiableFunction {
  name: string;
  node: FunctionNode;
  /** The parameters named by `wrt` with where each name is written, or undefined for "every
   * differentiable parameter". */
  wrt?: { name: string; position: number }[];
  /** For a method of a class: its class and name (`name` is then both, as in `Vec3Length`). */
  method?: MethodOf;
}

export interface MethodOf {
  className: string;
  methodName: string;
  /** A static method takes no instance. */
  isStatic: boolean;
}

const tagName = "differentiable";
const wrtPattern = /^\(\s*wrt\s*:\s*([A-Za-z_$][\w$]*(?:\s*,\s*[A-Za-z_$][\w$]*)*)\s*\)/;

function differentiableTag(node: ts.Node): ts.JSDocTag | undefined {
  return ts.getJSDocTags(node).find((tag) => tag.tagName.text === tagName);
}

/** What follows the tag name, as the user wrote it (without the comment's closing). */
function tagArguments(tag: ts.JSDocTag, sourceFile: ts.SourceFile): { text: string; start: number } {
  const raw = sourceFile.text.slice(tag.tagName.end, tag.end).replace(/\*\/\s*$/, "");
  return { text: raw.replace(/\s*\n\s*\*?\s*/g, " ").trimEnd(), start: tag.tagName.end };
}

function parseWrt(tag: ts.JSDocTag, sourceFile: ts.SourceFile, functionName: string): DifferentiableFunction["wrt"] {
  const args = tagArguments(tag, sourceFile);
  const text = args.text.trim();
  if (!text.startsWith("(") && !text.startsWith("wrt")) return undefined;
  const names = wrtPattern.exec(text)?.[1];
  if (names === undefined) {
    throw new DiagnosticError({
      code: "AD1011",
      severity: "error",
      message: `cannot read '@${tagName}${args.text}' (in '${functionName}')`,
      hint: `write '@${tagName}' for every parameter, or '@${tagName}(wrt: a, b)' to name them`,
      ...locate(sourceFile, tag.getStart(sourceFile)),
    });
  }
  const listStart = args.start + sourceFile.text.slice(args.start).indexOf(names);
  return names.split(",").map((item) => {
    const name = item.trim();
    const offset = new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`).exec(names)!.index;
    return { name, position: listStart + offset };
  });
}

/** Each marked function, or a DiagnosticError for a malformed tag (collected by the caller). */
export function findDifferentiableFunctions(sourceFile: ts.SourceFile): (DifferentiableFunction | DiagnosticError)[] {
  const found: (DifferentiableFunction | DiagnosticError)[] = [];
  const add = (name: string, node: FunctionNode, tag: ts.JSDocTag, method?: MethodOf) => {
    try {
      const wrt = parseWrt(tag, sourceFile, name);
      found.push({ name, node, ...(wrt ? { wrt } : {}), ...(method ? { method } : {}) });
    } catch (error) {
      if (!(error instanceof DiagnosticError)) throw error;
      found.push(error);
    }
  };
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
      const tag = differentiableTag(statement);
      if (tag) add(statement.name.text, statement, tag);
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      for (const member of statement.members) {
        const tag = differentiableTag(member);
        if (!tag || !ts.isMethodDeclaration(member) || !member.body || !ts.isIdentifier(member.name)) continue;
        const methodName = member.name.text;
        const isStatic = (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
        const name = `${statement.name.text}${methodName[0]!.toUpperCase()}${methodName.slice(1)}`;
        add(name, member, tag, { className: statement.name.text, methodName, isStatic });
      }
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer;
        const tag = differentiableTag(declaration);
        if (
          tag &&
          init &&
          ts.isIdentifier(declaration.name) &&
          (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
        ) {
          add(declaration.name.text, init, tag);
        }
      }
    }
  }
  return found;
}
