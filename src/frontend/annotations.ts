/**
 * Finds the functions marked `@differentiable` in a source file: top-level function
 * declarations, `const f = (...) => ...` / `const f = function (...) {...}` whose variable
 * statement carries the tag, and methods of top-level classes (named `Vec3Length` for
 * `Vec3.length`). Parses `@differentiable(wrt: a, b)`. A tag anywhere else (a getter, a nested
 * function, ...) is an error at that declaration (see placements).
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
  /** The derivatives asked for beside the gradient and the JVP, by tags on the same comment:
   * `@hessian` (`fHvp`, `fHessian`), `@hessian diagonal` (`fHessianDiagonal` too), `@hessian
   * sparse` (`fHvpPattern`, `fHessianSparse` too), `@jacobian`,
   * `@jacobian sparse` (`fJacobianPattern`, `fJacobianSparse` too). */
  also?: AlsoGenerated;
}

export interface AlsoGenerated {
  hessian?: "dense" | "diagonal" | "sparse";
  jacobian?: "dense" | "sparse";
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

/** `@hessian`, `@hessian diagonal`, `@hessian sparse`, `@jacobian` and `@jacobian sparse` on the
 * comment holding `tag`. */
function parseAlso(tag: ts.JSDocTag, sourceFile: ts.SourceFile, functionName: string): AlsoGenerated | undefined {
  const also: AlsoGenerated = {};
  const comment = tag.parent;
  const tags = ts.isJSDoc(comment) ? (comment.tags ?? []) : [];
  for (const other of tags) {
    const name = other.tagName.text;
    if (name !== "hessian" && name !== "jacobian") continue;
    const text = tagArguments(other, sourceFile).text.trim();
    const variant = text === "" ? "dense" : text;
    if (also[name] !== undefined && also[name] !== variant)
      throw new DiagnosticError({
        code: "AD1011",
        severity: "error",
        message: `'@${name}' is given twice, differently, in '${functionName}'`,
        hint: `keep one: each variant also generates the dense ${name === "hessian" ? "Hessian" : "Jacobians"}`,
        ...locate(sourceFile, other.getStart(sourceFile)),
      });
    if (name === "hessian" && (variant === "dense" || variant === "diagonal" || variant === "sparse"))
      also.hessian = variant;
    else if (name === "jacobian" && (variant === "dense" || variant === "sparse")) also.jacobian = variant;
    else
      throw new DiagnosticError({
        code: "AD1011",
        severity: "error",
        message: `cannot read '@${name} ${text}' (in '${functionName}')`,
        hint: "write '@hessian', '@hessian diagonal', '@hessian sparse', '@jacobian' or '@jacobian sparse' on the line after '@differentiable'",
        ...locate(sourceFile, other.getStart(sourceFile)),
      });
  }
  return Object.keys(also).length === 0 ? undefined : also;
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

/**
 * Where a tag can sit, as rules: the first rule matching the tag's declaration says whether it
 * is compiled (`mark`: the functions it marks) or refused (`refused`: what the declaration is,
 * and what to do instead). Only top-level functions are compiled; everything else is refused
 * with a location, so that a tag never goes unnoticed.
 */
interface Marked {
  name: string;
  node: FunctionNode;
  nameNode: ts.Node;
  method?: MethodOf;
}

interface Placement {
  matches: (host: ts.Node) => boolean;
  mark?: (host: ts.Node) => Marked[];
  refused?: { what: string; hint: string };
}

const isTopLevel = (node: ts.Node) => ts.isSourceFile(node.parent);
const moveOut = "move the computation into a top-level function, mark that one @differentiable, and call it from here";

const placements: Placement[] = [
  {
    matches: (host) => ts.isFunctionDeclaration(host) && isTopLevel(host) && host.name !== undefined && !!host.body,
    mark: (host) => {
      const declaration = host as ts.FunctionDeclaration;
      return [{ name: declaration.name!.text, node: declaration, nameNode: declaration.name! }];
    },
  },
  {
    matches: (host) => ts.isVariableStatement(host) && isTopLevel(host) && functionVariables(host).length > 0,
    mark: (host) => functionVariables(host as ts.VariableStatement),
  },
  {
    matches: (host) => ts.isFunctionDeclaration(host) && isTopLevel(host) && host.name === undefined,
    refused: { what: "an anonymous function", hint: "give the function a name: export default function f(...)" },
  },
  {
    matches: (host) => ts.isFunctionDeclaration(host) && isTopLevel(host),
    refused: {
      what: "a function signature without a body (an overload or a declared function)",
      hint: "put the tag on the function's implementation, the declaration with a body",
    },
  },
  {
    matches: (host) => ts.isVariableStatement(host) && isTopLevel(host),
    refused: {
      what: "a variable that does not hold a function",
      hint: "mark a function: function f(...) { ... } or const f = (...) => ...",
    },
  },
  {
    matches: (host) =>
      (ts.isFunctionDeclaration(host) || ts.isVariableStatement(host)) && ts.isModuleBlock(host.parent),
    refused: { what: "a function of a namespace", hint: "declare the function at the top level of a module" },
  },
  {
    matches: (host) =>
      ts.isMethodDeclaration(host) &&
      ts.isClassDeclaration(host.parent) &&
      host.parent.name !== undefined &&
      isTopLevel(host.parent) &&
      host.body !== undefined &&
      ts.isIdentifier(host.name),
    mark: (host) => [classMethod(host as ts.MethodDeclaration)],
  },
  {
    matches: (host) => (ts.isMethodDeclaration(host) || ts.isPropertyDeclaration(host)) && ts.isClassLike(host.parent),
    refused: {
      what: "a member of a class that is not a method with a body of a named top-level class",
      hint: "mark a method of a top-level class, or move the computation into a top-level function",
    },
  },
  {
    matches: (host) => ts.isConstructorDeclaration(host),
    refused: { what: "a constructor", hint: moveOut },
  },
  {
    matches: (host) => ts.isGetAccessorDeclaration(host) || ts.isSetAccessorDeclaration(host),
    refused: { what: "a getter or setter", hint: moveOut },
  },
  {
    matches: (host) =>
      (ts.isMethodDeclaration(host) || ts.isPropertyAssignment(host) || ts.isShorthandPropertyAssignment(host)) &&
      ts.isObjectLiteralExpression(host.parent),
    refused: { what: "a property of an object literal", hint: moveOut },
  },
  {
    matches: (host) => ts.isFunctionDeclaration(host) || ts.isVariableStatement(host),
    refused: { what: "a function inside a block or another function", hint: moveOut },
  },
];

/** A method of a top-level class, marked under the class's name and its own (`Vec3Length`). */
function classMethod(member: ts.MethodDeclaration): Marked {
  const className = (member.parent as ts.ClassDeclaration).name!.text;
  const methodName = (member.name as ts.Identifier).text;
  const isStatic = (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
  const name = `${className}${methodName.charAt(0).toUpperCase()}${methodName.slice(1)}`;
  return { name, node: member, nameNode: member.name, method: { className, methodName, isStatic } };
}

/** The declarations of a variable statement that hold an arrow function or function expression. */
function functionVariables(statement: ts.VariableStatement): Marked[] {
  return statement.declarationList.declarations.flatMap((declaration) => {
    const init = declaration.initializer;
    return ts.isIdentifier(declaration.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
      ? [{ name: declaration.name.text, node: init, nameNode: declaration.name }]
      : [];
  });
}

/** The name of a declaration a diagnostic points at (a variable statement's: its first variable's). */
function declaredName(node: ts.Node): ts.Node | undefined {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations[0]?.name;
  const named =
    ts.isFunctionLike(node) ||
    ts.isClassLike(node) ||
    ts.isModuleDeclaration(node) ||
    ts.isVariableDeclaration(node) ||
    ts.isPropertyAssignment(node) ||
    ts.isShorthandPropertyAssignment(node) ||
    ts.isPropertyDeclaration(node);
  return named ? node.name : undefined;
}

/** The name a diagnostic quotes for a declaration: its own, after the names of what holds it
 * (`Shapes.area`, `outer.inner`). */
function qualifiedName(host: ts.Node): string {
  const names: string[] = [];
  for (let node: ts.Node = host; !ts.isSourceFile(node); node = node.parent) {
    // A variable statement names itself by its variable, which the walk reaches first.
    const name = ts.isVariableStatement(node) && node !== host ? undefined : declaredName(node);
    if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name))) names.unshift(name.text);
  }
  return names.join(".") || "this declaration";
}

function misplacedTag(host: ts.Node, sourceFile: ts.SourceFile, what: string, hint: string): DiagnosticError {
  return new DiagnosticError({
    code: "AD1011",
    severity: "error",
    message: `'${qualifiedName(host)}' is ${what}: only top-level functions (function f, const f = (...) => ...) and methods of top-level classes can be marked @${tagName}`,
    hint,
    ...locate(sourceFile, (declaredName(host) ?? host).getStart(sourceFile)),
  });
}

const foundIn = new WeakMap<ts.SourceFile, (DifferentiableFunction | DiagnosticError)[]>();

/** Each marked function, or a DiagnosticError for a malformed or misplaced tag (collected by
 * the caller), in the order of the source. */
export function findDifferentiableFunctions(sourceFile: ts.SourceFile): (DifferentiableFunction | DiagnosticError)[] {
  // Asked again for every call the lowering meets (is the callee a recursive differentiable
  // function?): the file is walked once.
  const known = foundIn.get(sourceFile);
  if (known) return known;
  const found: (DifferentiableFunction | DiagnosticError)[] = [];
  const seen = new Set<ts.JSDocTag>();
  const add = (name: string, node: FunctionNode, tag: ts.JSDocTag, method?: MethodOf) => {
    try {
      const wrt = parseWrt(tag, sourceFile, name);
      const also = parseAlso(tag, sourceFile, name);
      found.push({ name, node, ...(wrt ? { wrt } : {}), ...(method ? { method } : {}), ...(also ? { also } : {}) });
    } catch (error) {
      if (!(error instanceof DiagnosticError)) throw error;
      found.push(error);
    }
  };
  const visit = (node: ts.Node): void => {
    const tag = differentiableTag(node);
    // A tag is seen from its declaration and again from nodes inside it (an arrow function
    // assigned to a variable): the declaration, which comes first, holds it.
    if (tag && !seen.has(tag)) {
      seen.add(tag);
      const host = tag.parent.parent;
      const placement = placements.find((p) => p.matches(host));
      if (placement?.mark) {
        for (const marked of placement.mark(host)) {
          if (differentiableTag(marked.nameNode.parent) === tag || marked.node === host)
            add(marked.name, marked.node, tag, marked.method);
        }
      } else {
        const refused = placement?.refused ?? { what: "not a function", hint: "mark a top-level function" };
        found.push(misplacedTag(host, sourceFile, refused.what, refused.hint));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  foundIn.set(sourceFile, found);
  return found;
}
