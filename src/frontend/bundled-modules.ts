/**
 * Modules of a webpack bundle: packages that ship one bundled file (matter-js's
 * `build/matter.js`) in which each source module is a function of the bootstrap's module array,
 * `function (module, exports, __webpack_require__) { ... }`, reaching the others by number
 * (`var Vector = __webpack_require__(2)`). Their modules are objects built by assignment:
 *
 *     var Vector = {};
 *     module.exports = Vector;
 *     (function () { Vector.sub = function (a, b, output) { ... }; })();
 *
 * A call is followed as "go to source definition" would: a member of the package's typings
 * (`Matter.Vector.sub`, a static method of `declare namespace Matter { class Vector }`) by its
 * names from the bundle's entry export; inside the bundle, `Vector.sub` through the module
 * object `Vector` names. `__webpack_require__(N)` is module N's `module.exports`.
 *
 * Only what cannot change is followed: a module object initialised `{}`, whose member is
 * assigned once in the whole bundle, at load time (a statement of its module's function or of
 * an IIFE there), through a name nothing else assigns; and no code that may run passes the
 * object where it could be changed under another name (`Common.deprecated(Engine, 'run', ...)`)
 * or writes it by a computed key. A function of a module no code refers to cannot run, so what
 * it does to a module object does not count (matter-js's `Matter.before`, which patches any
 * member by its path, unless the program calls it). Anything else is a diagnostic naming why.
 */
import path from "node:path";
import { ts } from "ts-morph";
import type { FunctionNode } from "./annotations.js";
import type { LoweringContext } from "./context.js";
import type { Type } from "../ir/types.js";
import { packageJavaScriptOf, untypedReturnType } from "./library.js";
import { reachableFiles } from "./modules.js";
import { assignmentTarget, containsReturn, skipParentheses } from "./syntax.js";

/** The webpack bootstrap of a bundle: its module functions by number, and its entry. */
interface Bundle {
  file: ts.SourceFile;
  modules: ReadonlyMap<number, ts.FunctionExpression>;
  entry: number;
}

/** A module object: the `var X = {}` of a module that its module exports. */
interface ModuleObject {
  declaration: ts.VariableDeclaration;
  name: string;
}

type BundleValue = { kind: "object"; object: ModuleObject } | { kind: "function"; node: ts.FunctionExpression };

/** Why a module member cannot be followed, at the code that makes it so. */
interface Refusal {
  node: ts.Node;
  why: string;
  /** The member is not there at all (rather than there but changeable). */
  notFound?: boolean;
}

/** What the bundle does to its module objects: each member's assignments, and what else may change them. */
interface BundleIndex {
  bundle: Bundle;
  /** The assignments to each member, by module object and member name. */
  writes: Map<ts.VariableDeclaration, Map<string, ts.Node[]>>;
  /** Code that may change a module object other than by assigning its members by name. */
  escapes: Map<ts.VariableDeclaration, ts.Node[]>;
  /** The members code of the bundle reads (a function no code refers to never runs). */
  read: Map<ts.VariableDeclaration, Set<string>>;
}

// ----- the bootstrap -----

/** The webpack bundle a file is, or undefined for other files. */
function bundleOf(file: ts.SourceFile): Bundle | undefined {
  if (bundles.has(file)) return bundles.get(file);
  let found: Bundle | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && isBootstrap(skipParentheses(node.expression))) {
      const [modules] = node.arguments;
      const functions = modules && ts.isArrayLiteralExpression(modules) ? moduleFunctions(modules) : undefined;
      const entry = entryOf(skipParentheses(node.expression) as ts.FunctionExpression);
      if (functions && entry !== undefined) found = { file, modules: functions, entry };
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  bundles.set(file, found);
  return found;
}

const bundles = new WeakMap<ts.SourceFile, Bundle | undefined>();

/** `function (modules) { function __webpack_require__(moduleId) { ... } ... }`. */
function isBootstrap(node: ts.Expression): node is ts.FunctionExpression {
  return ts.isFunctionExpression(node) && node.body.statements.some((s) => isRequireDeclaration(s));
}

function isRequireDeclaration(statement: ts.Statement): statement is ts.FunctionDeclaration {
  return ts.isFunctionDeclaration(statement) && statement.name?.text === requireName;
}

const requireName = "__webpack_require__";

/** The module functions of the bootstrap's array, by their index. */
function moduleFunctions(array: ts.ArrayLiteralExpression): Map<number, ts.FunctionExpression> | undefined {
  const functions = new Map<number, ts.FunctionExpression>();
  for (const [index, element] of array.elements.entries()) {
    const node = skipParentheses(element);
    if (ts.isFunctionExpression(node)) functions.set(index, node);
  }
  return functions.size > 0 ? functions : undefined;
}

/** The module `return __webpack_require__(__webpack_require__.s = N)` loads first. */
function entryOf(bootstrap: ts.FunctionExpression): number | undefined {
  for (const statement of bootstrap.body.statements) {
    if (!ts.isReturnStatement(statement) || !statement.expression) continue;
    const returned = skipParentheses(statement.expression);
    if (!ts.isCallExpression(returned) || !isIdentifierNamed(returned.expression, requireName)) continue;
    let argument = returned.arguments[0] && skipParentheses(returned.arguments[0]);
    if (argument && ts.isBinaryExpression(argument) && argument.operatorToken.kind === ts.SyntaxKind.EqualsToken)
      argument = skipParentheses(argument.right);
    if (argument && ts.isNumericLiteral(argument)) return Number(argument.text);
  }
  return undefined;
}

// ----- what a module exports, and what a name of the bundle holds -----

/** The module function a node of the bundle is in, and its number. */
function moduleOf(bundle: Bundle, node: ts.Node): ts.FunctionExpression | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isFunctionExpression(n) && [...bundle.modules.values()].includes(n)) return n;
  }
  return undefined;
}

/** The name a module function's parameter at `index` has (`module`, `exports`, `__webpack_require__`). */
function parameterName(module: ts.FunctionExpression, index: number): string | undefined {
  const parameter = module.parameters[index];
  return parameter && ts.isIdentifier(parameter.name) ? parameter.name.text : undefined;
}

/** `module.exports` of the module function `module`. */
function isModuleExports(module: ts.FunctionExpression, node: ts.Expression): boolean {
  const name = parameterName(module, 0);
  return (
    name !== undefined &&
    ts.isPropertyAccessExpression(node) &&
    isIdentifierNamed(node.expression, name) &&
    node.name.text === "exports"
  );
}

/** The value module `id` assigns to `module.exports`, when it does so once, at load time. */
function exportsOf(cx: LoweringContext, bundle: Bundle, id: number, seen: Set<ts.Node>): BundleValue | undefined {
  const module = bundle.modules.get(id);
  if (!module) return undefined;
  const assigned: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && assignmentTarget(node) && isModuleExports(module, node.left))
      assigned.push(node.right);
    ts.forEachChild(node, visit);
  };
  visit(module.body);
  const [value] = assigned;
  if (assigned.length !== 1 || !isLoadTime(module, value!)) return undefined;
  return valueOf(cx, bundle, value!, seen);
}

/** What an expression of the bundle holds, when it is a module object or a function that cannot change. */
function valueOf(
  cx: LoweringContext,
  bundle: Bundle,
  expression: ts.Expression,
  seen: Set<ts.Node>,
): BundleValue | undefined {
  const node = skipParentheses(expression);
  if (seen.has(node)) return undefined;
  seen.add(node);
  if (ts.isFunctionExpression(node)) return { kind: "function", node };
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    // `var Matter = module.exports = __webpack_require__(21)`.
    const module = moduleOf(bundle, node);
    return module && isModuleExports(module, node.left) ? valueOf(cx, bundle, node.right, seen) : undefined;
  }
  const required = requiredModule(bundle, node);
  if (required !== undefined) return exportsOf(cx, bundle, required, seen);
  if (ts.isIdentifier(node)) {
    const declaration = cx.checker.getSymbolAtLocation(node)?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !isModuleVariable(cx, bundle, declaration))
      return undefined;
    const init = declaration.initializer && skipParentheses(declaration.initializer);
    if (!init) return undefined;
    if (ts.isObjectLiteralExpression(init) && init.properties.length === 0 && ts.isIdentifier(declaration.name))
      return { kind: "object", object: { declaration, name: declaration.name.text } };
    return valueOf(cx, bundle, init, seen);
  }
  if (ts.isPropertyAccessExpression(node)) {
    const owner = valueOf(cx, bundle, node.expression, seen);
    if (owner?.kind !== "object") return undefined;
    const member = memberOf(cx, bundle, owner.object, node.name.text);
    return "value" in member ? valueOf(cx, bundle, member.value, seen) : undefined;
  }
  return undefined;
}

/** N of `__webpack_require__(N)` in a module function given the require function. */
function requiredModule(bundle: Bundle, node: ts.Expression): number | undefined {
  if (!ts.isCallExpression(node) || node.arguments.length !== 1) return undefined;
  const module = moduleOf(bundle, node);
  const name = module && parameterName(module, 2);
  const [argument] = node.arguments;
  if (!name || !isIdentifierNamed(node.expression, name) || !ts.isNumericLiteral(argument!)) return undefined;
  return Number(argument.text);
}

/** A `var` of a module function's own statements that nothing assigns after its declaration. */
function isModuleVariable(cx: LoweringContext, bundle: Bundle, declaration: ts.VariableDeclaration): boolean {
  const known = moduleVariables.get(declaration);
  if (known !== undefined) return known;
  const answer = isUnassignedModuleVariable(cx, bundle, declaration);
  moduleVariables.set(declaration, answer);
  return answer;
}

const moduleVariables = new WeakMap<ts.VariableDeclaration, boolean>();

function isUnassignedModuleVariable(cx: LoweringContext, bundle: Bundle, declaration: ts.VariableDeclaration): boolean {
  const statement = declaration.parent.parent;
  const module = moduleOf(bundle, declaration);
  if (!module || !ts.isVariableStatement(statement) || statement.parent !== module.body) return false;
  const symbol = cx.checker.getSymbolAtLocation(declaration.name);
  let assigned = false;
  const visit = (node: ts.Node): void => {
    const target = assignmentTarget(node);
    if (target && ts.isIdentifier(target) && cx.checker.getSymbolAtLocation(target) === symbol) assigned = true;
    if (!assigned) ts.forEachChild(node, visit);
  };
  visit(module.body);
  return !assigned;
}

/**
 * A statement run when the module loads: one of the module function's own statements, or of
 * an IIFE among them (`(function () { ... })();`), not one in a branch, a loop or a function,
 * nor after a statement that may return or throw.
 */
function isLoadTime(module: ts.FunctionExpression, node: ts.Node): boolean {
  let statement: ts.Node = node;
  while (statement.parent && !ts.isBlock(statement.parent)) {
    if (ts.isFunctionLike(statement.parent) || isBranchOrLoop(statement.parent)) return false;
    statement = statement.parent;
  }
  const block = statement.parent;
  if (!block || !ts.isBlock(block)) return false;
  if (block !== module.body && !isModuleIife(module, block.parent)) return false;
  const before = block.statements.slice(0, block.statements.indexOf(statement as ts.Statement));
  return !before.some((s) => containsReturn(s) || containsThrow(s));
}

function containsThrow(node: ts.Node): boolean {
  if (ts.isThrowStatement(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, (child) => (containsThrow(child) ? true : undefined)) ?? false;
}

function isBranchOrLoop(node: ts.Node): boolean {
  return (
    ts.isIfStatement(node) ||
    ts.isConditionalExpression(node) ||
    ts.isSwitchStatement(node) ||
    ts.isTryStatement(node) ||
    ts.isIterationStatement(node, false) ||
    (ts.isBinaryExpression(node) &&
      [
        ts.SyntaxKind.AmpersandAmpersandToken,
        ts.SyntaxKind.BarBarToken,
        ts.SyntaxKind.QuestionQuestionToken,
        ts.SyntaxKind.CommaToken,
      ].includes(node.operatorToken.kind))
  );
}

// ----- members, and what may change them -----

/** The value a module object's member is assigned, or why it cannot be followed. */
function memberOf(
  cx: LoweringContext,
  bundle: Bundle,
  object: ModuleObject,
  name: string,
): { value: ts.Expression } | Refusal {
  const index = indexOf(cx, bundle);
  const escape = index.escapes.get(object.declaration)?.find((node) => mayRun(cx, index, node));
  if (escape) return { node: escape, why: escapeReason(object, escape) };
  const writes = index.writes.get(object.declaration)?.get(name) ?? [];
  const [first, second] = writes;
  if (!first) return { node: object.declaration, why: `'${object.name}' has no member '${name}'`, notFound: true };
  if (second) return { node: second, why: `'${object.name}.${name}' is assigned more than once` };
  const module = moduleOf(bundle, first)!;
  const isAssignment = ts.isBinaryExpression(first) && first.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  if (!isAssignment || !isLoadTime(module, first))
    return { node: first, why: `'${object.name}.${name}' is assigned when code runs, not when its module loads` };
  return { value: first.right };
}

/** How code may change a module object: by a computed key, or through the function given it. */
function escapeReason(object: ModuleObject, escape: ts.Node): string {
  if (assignmentTarget(escape)) return `'${object.name}' has a member assigned by a computed key`;
  let reference: ts.Node = escape;
  while (ts.isParenthesizedExpression(reference.parent)) reference = reference.parent;
  const call = reference.parent;
  if (ts.isCallExpression(call) && call.expression !== reference)
    return `'${object.name}' is passed to '${call.expression.getText()}', which may change its members`;
  return `'${object.name}' is given to code that may change its members`;
}

/** What the bundle does to its module objects, found once per checker. */
function indexOf(cx: LoweringContext, bundle: Bundle): BundleIndex {
  let byBundle = indexes.get(cx.checker);
  if (!byBundle) indexes.set(cx.checker, (byBundle = new Map()));
  const known = byBundle.get(bundle.file);
  if (known) return known;
  const index: BundleIndex = { bundle, writes: new Map(), escapes: new Map(), read: new Map() };
  const structure = new Structure(cx, bundle);
  const escape = (objects: readonly ModuleObject[], node: ts.Node) => {
    for (const object of objects)
      index.escapes.set(object.declaration, [...(index.escapes.get(object.declaration) ?? []), node]);
  };
  const visit = (node: ts.Node): void => {
    const target = assignmentTarget(node);
    const written = target && skipParentheses(target);
    if (written && (ts.isPropertyAccessExpression(written) || ts.isElementAccessExpression(written))) {
      const objects = structure.objectsOf(written.expression);
      if (ts.isPropertyAccessExpression(written)) {
        for (const object of objects) {
          const members = index.writes.get(object.declaration) ?? new Map<string, ts.Node[]>();
          index.writes.set(object.declaration, members);
          members.set(written.name.text, [...(members.get(written.name.text) ?? []), node]);
        }
      } else escape(objects, node);
    }
    if ((ts.isIdentifier(node) || ts.isPropertyAccessExpression(node) || isThis(node)) && isReference(node)) {
      const objects = structure.objectsOf(node as ts.Expression);
      if (objects.length > 0 && escapes(structure, node as ts.Expression)) escape(objects, node);
    }
    // A module required inside a function or an IIFE (`var mm = __webpack_require__(2); mm.f =
    // ...`) is reached through a local the index does not follow: its objects, and the modules
    // they hold (`all.M.f = ...`), may be written through it, so none of them is followed.
    const required = ts.isCallExpression(node) ? requiredModule(bundle, node) : undefined;
    if (required !== undefined && !isTopLevelRequire(bundle, node as ts.CallExpression))
      escape(structure.reachableFrom(required), node);
    if (ts.isPropertyAccessExpression(node) && !isAssigned(node)) {
      for (const owner of structure.objectsOf(node.expression)) {
        const read = index.read.get(owner.declaration) ?? new Set<string>();
        read.add(node.name.text);
        index.read.set(owner.declaration, read);
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const module of bundle.modules.values()) visit(module.body);
  byBundle.set(bundle.file, index);
  return index;
}

const indexes = new WeakMap<ts.TypeChecker, Map<ts.SourceFile, BundleIndex>>();

/** `var X = __webpack_require__(N);` or `Entry.X = __webpack_require__(N);` as a statement of
 * a module's own body, where the bundle's modules take each other. */
function isTopLevelRequire(bundle: Bundle, call: ts.CallExpression): boolean {
  let node: ts.Node = call;
  while (
    ts.isVariableDeclaration(node.parent) ||
    ts.isVariableDeclarationList(node.parent) ||
    ts.isBinaryExpression(node.parent) ||
    ts.isParenthesizedExpression(node.parent)
  )
    node = node.parent;
  const statement = node.parent;
  return (
    (ts.isVariableStatement(statement) || ts.isExpressionStatement(statement)) &&
    ts.isBlock(statement.parent) &&
    statement.parent.parent === moduleOf(bundle, call)
  );
}

/**
 * Which module objects an expression of the bundle may be, from the bundle's structure alone
 * (the index is built from it): a module variable, `__webpack_require__(N)`, `module.exports`,
 * a member a statement of a module function assigns a module object to (`Matter.Engine`), and
 * `this` in a function assigned to a module's member. Every other way an object can get
 * somewhere is an escape, so no expression that is one of them goes unseen.
 */
class Structure {
  private readonly known = new Map<ts.Node, ModuleObject[]>();
  /** The statements `R.name = value` of the module functions, by member name. */
  private readonly memberStatements = new Map<string, { receiver: ts.Expression; value: ts.Expression }[]>();
  private readonly variableNames = new Set<string>();

  constructor(
    readonly cx: LoweringContext,
    readonly bundle: Bundle,
  ) {
    for (const module of bundle.modules.values()) {
      for (const statement of module.body.statements) {
        if (ts.isVariableStatement(statement))
          for (const d of statement.declarationList.declarations)
            if (ts.isIdentifier(d.name)) this.variableNames.add(d.name.text);
        const assigned = ts.isExpressionStatement(statement) && topLevelMemberAssignment(statement.expression);
        if (!assigned) continue;
        const list = this.memberStatements.get(assigned.name) ?? [];
        list.push({ receiver: assigned.receiver, value: assigned.value });
        this.memberStatements.set(assigned.name, list);
      }
    }
  }

  objectsOf(expression: ts.Expression): ModuleObject[] {
    const node = skipParentheses(expression);
    const known = this.known.get(node);
    if (known) return known;
    // A cycle of names resolves to nothing more than what its other paths give.
    this.known.set(node, []);
    const objects = this.compute(node);
    this.known.set(node, objects);
    return objects;
  }

  private compute(node: ts.Expression): ModuleObject[] {
    const module = moduleOf(this.bundle, node);
    if (!module) return [];
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken)
      return isModuleExports(module, skipParentheses(node.left)) ? this.objectsOf(node.right) : [];
    const required = requiredModule(this.bundle, node);
    if (required !== undefined) return this.exportedBy(required);
    if (isModuleExports(module, node))
      return this.exportedBy([...this.bundle.modules].find(([, m]) => m === module)![0]);
    if (isThis(node)) return this.ownerOfThis(module, node);
    if (ts.isIdentifier(node)) {
      if (!this.variableNames.has(node.text)) return [];
      const declaration = this.cx.checker.getSymbolAtLocation(node)?.valueDeclaration;
      if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return [];
      if (!isModuleVariable(this.cx, this.bundle, declaration)) return [];
      const init = skipParentheses(declaration.initializer);
      if (ts.isObjectLiteralExpression(init) && init.properties.length === 0 && ts.isIdentifier(declaration.name))
        return [{ declaration, name: declaration.name.text }];
      return this.objectsOf(init);
    }
    if (ts.isPropertyAccessExpression(node)) {
      const owners = this.objectsOf(node.expression);
      if (owners.length === 0) return [];
      const objects: ModuleObject[] = [];
      for (const { receiver, value } of this.memberStatements.get(node.name.text) ?? []) {
        const receivers = this.objectsOf(receiver);
        if (receivers.some((r) => owners.some((o) => o.declaration === r.declaration)))
          objects.push(...this.objectsOf(value));
      }
      return objects;
    }
    return [];
  }

  /** The objects module `id` may assign to `module.exports`. */
  /** The objects module `id` exports, and those of the modules they hold as members
   * (`Geo.Vec = __webpack_require__(0)`), transitively. */
  reachableFrom(id: number): ModuleObject[] {
    const found = new Set<ts.VariableDeclaration>();
    const objects: ModuleObject[] = [];
    const pending = [...this.exportedBy(id)];
    while (pending.length > 0) {
      const object = pending.pop()!;
      if (found.has(object.declaration)) continue;
      found.add(object.declaration);
      objects.push(object);
      for (const statements of this.memberStatements.values())
        for (const { receiver, value } of statements)
          if (this.objectsOf(receiver).some((r) => r.declaration === object.declaration))
            pending.push(...this.objectsOf(value));
    }
    return objects;
  }

  private exportedBy(id: number): ModuleObject[] {
    const module = this.bundle.modules.get(id);
    if (!module) return [];
    const objects: ModuleObject[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isBinaryExpression(node) && assignmentTarget(node) && isModuleExports(module, skipParentheses(node.left)))
        objects.push(...this.objectsOf(node.right));
      ts.forEachChild(node, visit);
    };
    visit(module.body);
    return objects;
  }

  /** `this` in a function a module function's statement assigns to a member (`Vector.f = function () { this }`). */
  private ownerOfThis(module: ts.FunctionExpression, node: ts.Node): ModuleObject[] {
    let fn: ts.Node = node.parent;
    while (!ts.isFunctionLike(fn) || ts.isArrowFunction(fn)) fn = fn.parent;
    const assignment = ts.isFunctionExpression(fn) ? fn.parent : undefined;
    if (!assignment || !ts.isBinaryExpression(assignment) || assignment.right !== fn) return [];
    const target = skipParentheses(assignment.left);
    return ts.isPropertyAccessExpression(target) && moduleOf(this.bundle, target) === module
      ? this.objectsOf(target.expression)
      : [];
  }
}

/** `R.name = value` as a statement of its own. */
function topLevelMemberAssignment(
  expression: ts.Expression,
): { receiver: ts.Expression; name: string; value: ts.Expression } | undefined {
  const e = skipParentheses(expression);
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
  const left = skipParentheses(e.left);
  return ts.isPropertyAccessExpression(left)
    ? { receiver: left.expression, name: left.name.text, value: e.right }
    : undefined;
}

function isThis(node: ts.Node): boolean {
  return node.kind === ts.SyntaxKind.ThisKeyword;
}

/** An expression naming a value (not the name of a member, nor a declared name). */
function isReference(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isVariableDeclaration(parent) && parent.name === node) return false;
  if (ts.isParameter(parent) || ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent)) return false;
  return !ts.isPropertyAssignment(parent) || parent.initializer === node;
}

/**
 * A reference to a module object that may let code change it under another name: anything but
 * reading or assigning one of its members (`Vector.x`), naming it in a module variable
 * (`var V = ...`, `module.exports = V`), or a statement of a module function making it a member
 * of another module object (`Matter.Vector = __webpack_require__(2)`).
 */
function escapes(structure: Structure, node: ts.Expression): boolean {
  let reference: ts.Node = node;
  while (ts.isParenthesizedExpression(reference.parent)) reference = reference.parent;
  const parent = reference.parent;
  const module = moduleOf(structure.bundle, node)!;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === reference) return false;
  if (ts.isVariableDeclaration(parent) && parent.initializer === reference)
    return !ts.isIdentifier(parent.name) || !isModuleVariable(structure.cx, structure.bundle, parent);
  if (!ts.isBinaryExpression(parent) || parent.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return true;
  if (parent.right !== reference) return false;
  const left = skipParentheses(parent.left);
  if (isModuleExports(module, left)) return false;
  const statement = parent.parent;
  const isMemberStatement =
    ts.isPropertyAccessExpression(left) &&
    ts.isExpressionStatement(statement) &&
    statement.parent === module.body &&
    structure.objectsOf(left.expression).length > 0;
  return !isMemberStatement;
}

function isAssigned(access: ts.PropertyAccessExpression): boolean {
  let node: ts.Node = access;
  while (ts.isParenthesizedExpression(node.parent)) node = node.parent;
  return assignmentTarget(node.parent) === node;
}

/** Whether a module function is one of the IIFEs its statements run (`(function () { ... })();`). */
function isModuleIife(module: ts.FunctionExpression, fn: ts.Node): boolean {
  if (!ts.isFunctionExpression(fn)) return false;
  let call: ts.Node = fn;
  while (ts.isParenthesizedExpression(call.parent)) call = call.parent;
  const invoked = call.parent;
  if (!ts.isCallExpression(invoked) || invoked.expression !== call) return false;
  let outer: ts.Node = invoked;
  while (ts.isParenthesizedExpression(outer.parent)) outer = outer.parent;
  return ts.isExpressionStatement(outer.parent) && outer.parent.parent === module.body;
}

/**
 * Whether the code at `node` may run: load-time code does, and so does any function but one a
 * module assigns to a member nothing reads (`Matter.use`, which runs only when the program or
 * the bundle calls it).
 */
function mayRun(cx: LoweringContext, index: BundleIndex, node: ts.Node): boolean {
  const module = moduleOf(index.bundle, node);
  if (!module) return true;
  let outermost: ts.Node | undefined;
  for (let n: ts.Node = node; n !== module; n = n.parent) {
    if (ts.isFunctionLike(n) && !isModuleIife(module, n)) outermost = n;
  }
  if (!outermost) return true;
  const assignment = outermost.parent;
  if (!ts.isBinaryExpression(assignment) || assignment.right !== outermost || !isLoadTime(module, assignment))
    return true;
  const target = skipParentheses(assignment.left);
  if (!ts.isPropertyAccessExpression(target)) return true;
  const owners = new Structure(cx, index.bundle).objectsOf(target.expression);
  if (owners.length === 0) return true;
  const name = target.name.text;
  return owners.some((o) => index.read.get(o.declaration)?.has(name)) || programRefersTo(cx, name);
}

/** Whether the files the function's file reaches name anything `name` (`Matter.use(...)`, also
 * `const { use } = Matter; use(...)`): by name, since an alias has a symbol of its own. */
function programRefersTo(cx: LoweringContext, name: string): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === name) found = true;
    ts.forEachChild(node, visit);
  };
  for (const file of reachableFiles(cx)) visit(file);
  return found;
}

// ----- calls -----

/**
 * The function of a bundle a call names: a member of a package's typings whose JavaScript is a
 * webpack bundle, or, in the bundle, a member of a module object (`Vector.cross` in module 3).
 * Undefined for other callees; a diagnostic when the callee is a module's member that cannot
 * be followed.
 */
export function bundledFunctionOf(cx: LoweringContext, callee: ts.Expression): FunctionNode | undefined {
  const access = skipParentheses(callee);
  const resolved = ts.isPropertyAccessExpression(access) ? resolveMember(cx, access) : undefined;
  if (!resolved || "function" in resolved) return resolved?.function;
  const file = resolved.node.getSourceFile();
  const { line, character } = file.getLineAndCharacterOfPosition(resolved.node.getStart());
  const where = `${path.basename(file.fileName)}:${line + 1}:${character + 1}`;
  const name = access.getText(cx.sourceFile);
  if (resolved.notFound) {
    return cx.fail(
      access,
      "AD1005",
      `'${name}' is declared in the typings of its package, but its bundle does not build it as a member of a module object the compiler can follow: ${resolved.why} (${where})`,
      "compute the value outside and pass it in",
    );
  }
  return cx.fail(
    access,
    "AD1004",
    `'${name}' cannot be followed into the bundle of its package: ${resolved.why} (${where}), so which function runs is only known when the code runs`,
    "compute the value outside and pass it in, or write the computation in the differentiable function",
  );
}

/**
 * What a call to a function of a bundle returns, when its JavaScript says (see
 * library.ts untypedReturnType): for `return Vector.div(centre, 6 * area)`, whose type is `any`.
 */
export function bundledReturnType(cx: LoweringContext, returned: ts.Expression): Type | undefined {
  const call = skipParentheses(returned);
  if (!ts.isCallExpression(call)) return undefined;
  const callee = skipParentheses(call.expression);
  const resolved = ts.isPropertyAccessExpression(callee) ? resolveMember(cx, callee) : undefined;
  if (!resolved || !("function" in resolved) || returnTypesAsked.has(resolved.function)) return undefined;
  returnTypesAsked.add(resolved.function);
  try {
    return untypedReturnType(
      resolved.function,
      [],
      (inner) => bundledReturnType(cx, inner) ?? cx.irType(cx.checker.getTypeAtLocation(inner)),
    );
  } finally {
    returnTypesAsked.delete(resolved.function);
  }
}

/** The functions whose return type is being found (a function returning its own call has none). */
const returnTypesAsked = new Set<ts.Node>();

type Resolved = { function: ts.FunctionExpression } | (Refusal & { bundle: Bundle });

function resolveMember(cx: LoweringContext, access: ts.PropertyAccessExpression): Resolved | undefined {
  const fromTypings = typingsMember(cx, access);
  if (fromTypings) {
    const changed = programChange(cx, fromTypings.typings);
    if (changed) return { ...changed, bundle: fromTypings.bundle };
    return followed(cx, fromTypings.bundle, fromTypings.path);
  }
  const bundle = bundleOf(access.getSourceFile());
  if (!bundle || !moduleOf(bundle, access)) return undefined;
  const owner = valueOf(cx, bundle, access.expression, new Set());
  if (owner?.kind !== "object") return undefined;
  return memberFunction(cx, bundle, owner.object, access.name.text);
}

/** The bundle and the names from its entry export of a callee declared in the package's typings. */
function typingsMember(
  cx: LoweringContext,
  access: ts.PropertyAccessExpression,
): { bundle: Bundle; path: string[]; typings: ts.SourceFile } | undefined {
  const declaration = cx.checker.getSymbolAtLocation(access.name)?.declarations?.[0];
  if (!declaration || !declaration.getSourceFile().isDeclarationFile) return undefined;
  const javaScript = packageJavaScriptOf(cx.checker, declaration);
  const bundle = javaScript && bundleOf(javaScript);
  const names = bundle && typingsPath(declaration);
  return names ? { bundle: bundle!, path: names, typings: declaration.getSourceFile() } : undefined;
}

/**
 * Where the files the function's file reaches may change the package's modules: a module of
 * its typings (`Matter`, `Matter.Vector`, a `const { Vector } = Matter`) used other than to
 * read a member, as `Matter.Vector.sub = f` or `Object.assign(Vector, ...)` would.
 */
function programChange(cx: LoweringContext, typings: ts.SourceFile): Refusal | undefined {
  // The module itself, not an instance of a class of the typings (`typeof Vector`, not `Vector`).
  const isModule = (node: ts.Expression) => {
    const type = cx.checker.getTypeAtLocation(node);
    const symbol = type.getSymbol();
    const declared = (symbol?.declarations ?? []).some(
      (d) => d.getSourceFile() === typings && (ts.isModuleDeclaration(d) || ts.isClassDeclaration(d)),
    );
    return declared && cx.checker.getTypeOfSymbol(symbol!) === type;
  };
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found || ts.isImportDeclaration(node) || ts.isTypeNode(node)) return;
    const isName = ts.isIdentifier(node) || ts.isPropertyAccessExpression(node);
    if (isName && isReference(node) && isModule(node as ts.Expression) && changesModule(node)) found = node;
    else ts.forEachChild(node, visit);
  };
  for (const file of reachableFiles(cx)) if (file !== typings && !file.isDeclarationFile) visit(file);
  if (!found) return undefined;
  const assigned = ts.isPropertyAccessExpression(found.parent) && isAssigned(found.parent);
  const why = assigned
    ? `the program assigns '${found.parent.getText()}'`
    : `the program gives '${found.getText()}' to code that may change its members`;
  return { node: found, why };
}

/** A use of a module in the program other than reading a member of it or naming it in a `const`. */
function changesModule(node: ts.Node): boolean {
  let reference: ts.Node = node;
  while (ts.isParenthesizedExpression(reference.parent)) reference = reference.parent;
  const parent = reference.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === reference) return isAssigned(parent);
  if (ts.isBindingElement(parent) && parent.name === reference) return false;
  if (ts.isVariableDeclaration(parent) && parent.initializer === reference)
    return !(ts.getCombinedNodeFlags(parent) & ts.NodeFlags.Const);
  return true;
}

/**
 * The names of a declaration from the typings' `export =` namespace, outermost first
 * (`["Vector", "sub"]` for `static sub` of `class Vector` in `declare namespace Matter`);
 * undefined for a declaration outside one.
 */
function typingsPath(declaration: ts.Declaration): string[] | undefined {
  const names: string[] = [];
  for (let node: ts.Node = declaration; !ts.isSourceFile(node); node = node.parent) {
    const name = (
      ts.isClassDeclaration(node) ||
      ts.isModuleDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isFunctionDeclaration(node)
        ? node.name
        : undefined
    ) as ts.Node | undefined;
    if (name && ts.isIdentifier(name)) names.unshift(name.text);
    else if (node === declaration) return undefined;
  }
  const [root] = names;
  const exported = declaration
    .getSourceFile()
    .statements.some(
      (s) =>
        ts.isExportAssignment(s) && s.isExportEquals && ts.isIdentifier(s.expression) && s.expression.text === root,
    );
  return exported && names.length > 1 ? names.slice(1) : undefined;
}

/** The function `names` name from the bundle's entry export, or where they stop. */
function followed(cx: LoweringContext, bundle: Bundle, names: readonly string[]): Resolved {
  let value = exportsOf(cx, bundle, bundle.entry, new Set());
  let node: ts.Node = bundle.modules.get(bundle.entry) ?? bundle.file;
  for (const [i, name] of names.entries()) {
    if (value?.kind !== "object") break;
    if (i === names.length - 1) return memberFunction(cx, bundle, value.object, name);
    const member = memberOf(cx, bundle, value.object, name);
    if (!("value" in member)) return { ...member, bundle };
    node = member.value;
    value = valueOf(cx, bundle, member.value, new Set());
  }
  return { node, why: `'${names.join(".")}' is not a module object's member there`, bundle, notFound: true };
}

/** The function a module object's member is assigned, or why it is not followed. */
function memberFunction(cx: LoweringContext, bundle: Bundle, object: ModuleObject, name: string): Resolved {
  const member = memberOf(cx, bundle, object, name);
  if (!("value" in member)) return { ...member, bundle };
  const value = valueOf(cx, bundle, member.value, new Set());
  if (value?.kind === "function") return { function: value.node };
  return { node: member.value, why: `'${object.name}.${name}' is not assigned a function expression`, bundle };
}

function isIdentifierNamed(node: ts.Node, name: string): boolean {
  return ts.isIdentifier(node) && node.text === name;
}
