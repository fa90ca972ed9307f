/**
 * A small, bounded interpreter of the code a module runs when it loads: what builds tables of
 * functions (`convert.rgb.hsl = function (rgb) {...}`, a loop storing `wrap(fn)` closures,
 * `useMode(...)` calls filling `converters[from][to]`). It evaluates declarations, object and
 * array literals, property assignment and `delete`, calls of the functions the code makes,
 * loops, `switch`, `Object.keys` and the other rules of natives.ts, ES imports and exports and
 * CommonJS `require`/`module.exports` of the files the loader finds, yielding a heap (heap.ts).
 *
 * It never calls into the host: a global it does not know, a host function's result, a class
 * or `Math.random()` is an Unknown value, and the code may carry it around; using it to decide
 * anything (a condition, a key), calling it with objects, `try`, `throw` or running past the
 * step budget stops the module's load (LoadTimeStop), and what the module built is then not
 * read at all: the compiler never guesses what the code would have done.
 */
import { ts } from "ts-morph";
import type { FunctionNode } from "../annotations.js";
import { type HeapValue, HeapArray, HeapFunction, HeapObject, readBinding, Scope, Unknown } from "./heap.js";
import { arrayMethods, globalConstant, globalFunctions, type NativeContext } from "./natives.js";
import { numericOperatorValues, skipWrappers } from "../syntax.js";

/** How many expressions and statements the load of one package (or project module) may evaluate. */
export const stepBudget = 1_000_000;

/** How deep load-time calls may nest. */
const callDepthLimit = 200;

/** Why the load stopped, and where. */
export class LoadTimeStop extends Error {
  constructor(
    readonly why: string,
    readonly node: ts.Node,
  ) {
    super(why);
  }
}

/** A module's source, as the loader finds it. */
export interface ModuleSource {
  file: ts.SourceFile;
  /** Whether the file belongs to the compiled program, so that its functions can be inlined. */
  inProgram: boolean;
}

/** What resolves an import or `require` of a module to its source. */
export type ResolveModule = (specifier: ts.StringLiteral, from: ts.SourceFile) => ModuleSource | undefined;

/** A module's state: its scope and exports once it loaded, or why its load stopped. */
export class ModuleRecord {
  readonly scope = new Scope(undefined, undefined);
  /** ES exports: the name outside, and how to read its binding now. */
  readonly exports = new Map<string, () => HeapValue>();
  /** CommonJS's `module` object; `module.exports` is what `require` gives. */
  readonly module = new HeapObject();
  state: "loading" | "loaded" | "stopped" = "loading";
  stop?: LoadTimeStop;

  constructor(readonly source: ModuleSource) {
    this.module.set("exports", new HeapObject(), undefined);
  }

  /** An ES export by name; a CommonJS module's `default` is its `module.exports`. */
  exported(name: string): HeapValue {
    const read = this.exports.get(name);
    if (read) return read();
    const commonJs = this.module.get("exports");
    if (name === "default") return commonJs;
    return commonJs instanceof HeapObject ? commonJs.get(name) : undefined;
  }

  /** The module as a namespace object (`import * as ns`). */
  namespace(): HeapObject {
    const object = new HeapObject();
    for (const [name, read] of this.exports) object.set(name, read(), undefined);
    return this.exports.size > 0 ? object : (this.module.get("exports") as HeapObject);
  }
}

type Completion = undefined | { kind: "return"; value: HeapValue } | { kind: "break" | "continue"; label?: string };

/** The name `this` is bound under in a function's scope (no identifier can be spelled so). */
const thisName = "#this";

export class Interpreter implements NativeContext {
  readonly modules = new Map<string, ModuleRecord>();
  private steps = 0;
  private readonly functions: (FunctionNode | undefined)[] = [];
  private current: ModuleRecord | undefined;

  constructor(
    private readonly resolve: ResolveModule,
    private readonly budget = stepBudget,
  ) {}

  /** The module's record, loading it (and what it imports) first. */
  load(source: ModuleSource): ModuleRecord {
    const known = this.modules.get(source.file.fileName);
    if (known) return known;
    const record = new ModuleRecord(source);
    this.modules.set(source.file.fileName, record);
    const outer = this.current;
    const outerFunctions = this.functions.splice(0);
    this.current = record;
    try {
      this.runModule(record);
      record.state = "loaded";
    } catch (error) {
      if (!(error instanceof LoadTimeStop)) throw error;
      record.state = "stopped";
      record.stop = error;
    } finally {
      this.current = outer;
      this.functions.push(...outerFunctions);
    }
    return record;
  }

  private runModule(record: ModuleRecord): void {
    const { scope } = record;
    const file = record.source.file;
    scope.bindings.set("module", { value: record.module });
    scope.bindings.set("exports", { value: record.module.get("exports") });
    // Functions are declared, and imports bound (their modules loaded, in order), before the
    // module's code runs; a module importing one still loading (a cycle) reads its bindings live.
    this.hoist(file.statements, scope, true);
    for (const statement of file.statements) {
      if (ts.isImportDeclaration(statement)) this.bindImport(record, statement);
      else this.bindExports(record, statement);
    }
    const completion = this.statements(file.statements, scope);
    if (completion) this.stop("the module's code leaves its top level", file);
  }

  // ----- modules -----

  private imported(specifier: ts.Expression, from: ts.SourceFile): ModuleRecord {
    if (!ts.isStringLiteral(specifier)) this.stop("a module is named by an expression", specifier);
    const source = this.resolve(specifier, from);
    if (!source) this.stop(`the module '${specifier.text}' is not found`, specifier);
    const record = this.load(source);
    if (record.state === "stopped") throw record.stop!;
    return record;
  }

  private bindImport(record: ModuleRecord, statement: ts.ImportDeclaration): void {
    const clause = statement.importClause;
    if (clause?.isTypeOnly) return;
    const imported = this.imported(statement.moduleSpecifier, record.source.file);
    if (!clause) return;
    if (clause.name) record.scope.bindings.set(clause.name.text, { read: () => imported.exported("default") });
    const named = clause.namedBindings;
    if (named && ts.isNamespaceImport(named))
      record.scope.bindings.set(named.name.text, { value: imported.namespace() });
    if (named && ts.isNamedImports(named)) {
      for (const element of named.elements) {
        if (element.isTypeOnly) continue;
        const name = (element.propertyName ?? element.name).text;
        record.scope.bindings.set(element.name.text, { read: () => imported.exported(name) });
      }
    }
  }

  /** An export list or `export` modifier, as bindings read when they are read. */
  private bindExports(record: ModuleRecord, statement: ts.Statement): void {
    const file = record.source.file;
    const local = (name: string) => () => {
      const binding = record.scope.lookup(name);
      if (binding) return readBinding(binding);
      if (record.state === "loading") this.stop(`'${name}' is read before its module declares it`, file);
      return undefined;
    };
    {
      const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
      const exported = modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const isDefault = modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      if (exported && ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of boundNames(declaration.name)) record.exports.set(name, local(name));
        }
      } else if (exported && (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement))) {
        const name = statement.name?.text;
        if (name) record.exports.set(isDefault ? "default" : name, local(name));
      } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) {
        const from = statement.moduleSpecifier && this.imported(statement.moduleSpecifier, file);
        const clause = statement.exportClause;
        if (!clause && from) {
          for (const [name, read] of from.exports) if (name !== "default") record.exports.set(name, read);
        } else if (clause && ts.isNamespaceExport(clause) && from) {
          record.exports.set(clause.name.text, () => from.namespace());
        } else if (clause && ts.isNamedExports(clause)) {
          for (const element of clause.elements) {
            const name = (element.propertyName ?? element.name).text;
            record.exports.set(element.name.text, from ? () => from.exported(name) : local(name));
          }
        }
      }
    }
  }

  // ----- statements -----

  /** Declares `var`s (as undefined) and function declarations of a body before it runs. */
  private hoist(statements: readonly ts.Statement[], scope: Scope, isFunctionScope: boolean): void {
    for (const statement of statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
        scope.bindings.set(statement.name.text, { value: this.makeFunction(statement, scope) });
      }
    }
    if (!isFunctionScope) return;
    const visit = (node: ts.Node): void => {
      if (ts.isVariableStatement(node) && !(node.declarationList.flags & ts.NodeFlags.BlockScoped)) {
        for (const declaration of node.declarationList.declarations) {
          for (const name of boundNames(declaration.name))
            if (!scope.bindings.has(name)) scope.bindings.set(name, { value: undefined });
        }
      }
      if (ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node)) {
        const init = node.initializer;
        if (init && ts.isVariableDeclarationList(init) && !(init.flags & ts.NodeFlags.BlockScoped)) {
          for (const declaration of init.declarations)
            for (const name of boundNames(declaration.name)) scope.bindings.set(name, { value: undefined });
        }
      }
      if (!ts.isFunctionLike(node) && !ts.isClassLike(node)) ts.forEachChild(node, visit);
    };
    for (const statement of statements) visit(statement);
  }

  private statements(statements: readonly ts.Statement[], scope: Scope): Completion {
    for (const statement of statements) {
      const completion = this.statement(statement, scope);
      if (completion) return completion;
    }
    return undefined;
  }

  private block(statements: readonly ts.Statement[], scope: Scope): Completion {
    const inner = new Scope(scope, scope.owner);
    this.hoist(statements, inner, false);
    return this.statements(statements, inner);
  }

  private statement(node: ts.Statement, scope: Scope): Completion {
    this.step(node);
    if (ts.isExpressionStatement(node)) {
      this.evaluate(node.expression, scope);
      return undefined;
    }
    if (ts.isVariableStatement(node)) {
      this.declare(node.declarationList, scope);
      return undefined;
    }
    if (ts.isFunctionDeclaration(node) || ts.isEmptyStatement(node) || ts.isImportDeclaration(node)) return undefined;
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return undefined;
    if (ts.isExportDeclaration(node)) return undefined;
    if (ts.isExportAssignment(node)) {
      const value = this.evaluate(node.expression, scope);
      if (node.isExportEquals) this.current!.module.set("exports", value, undefined);
      else this.current!.exports.set("default", () => value);
      return undefined;
    }
    if (ts.isBlock(node)) return this.block(node.statements, scope);
    if (ts.isIfStatement(node)) {
      if (this.truthy(this.evaluate(node.expression, scope), node.expression))
        return this.statement(node.thenStatement, scope);
      return node.elseStatement ? this.statement(node.elseStatement, scope) : undefined;
    }
    if (ts.isReturnStatement(node)) {
      return { kind: "return", value: node.expression ? this.evaluate(node.expression, scope) : undefined };
    }
    if (ts.isBreakStatement(node) || ts.isContinueStatement(node)) {
      const kind = ts.isBreakStatement(node) ? "break" : "continue";
      return node.label ? { kind, label: node.label.text } : { kind };
    }
    if (ts.isLabeledStatement(node)) {
      const completion = this.statement(node.statement, scope);
      const ownBreak = completion?.kind === "break" && completion.label === node.label.text;
      return ownBreak ? undefined : completion;
    }
    if (ts.isForStatement(node)) return this.forLoop(node, scope);
    if (ts.isForOfStatement(node) || ts.isForInStatement(node)) return this.forOfLoop(node, scope);
    if (ts.isWhileStatement(node) || ts.isDoStatement(node)) {
      let first = ts.isDoStatement(node);
      while (first || this.truthy(this.evaluate(node.expression, scope), node.expression)) {
        first = false;
        this.step(node);
        const completion = this.statement(node.statement, scope);
        const control = this.loopControl(node, completion);
        if (control === "break") break;
        if (control !== "continue" && control) return control;
      }
      return undefined;
    }
    if (ts.isSwitchStatement(node)) return this.switchStatement(node, scope);
    if (ts.isClassDeclaration(node) && node.name) {
      scope.bindings.set(node.name.text, { value: new Unknown("a class", node) });
      return undefined;
    }
    if (ts.isThrowStatement(node)) return this.stop("the load code throws", node);
    if (ts.isTryStatement(node)) return this.stop("'try' is not evaluated at load time", node);
    return this.stop(`${ts.SyntaxKind[node.kind]} is not evaluated at load time`, node);
  }

  /** What a loop does after its body completed: go on, leave it, or pass a completion out. */
  private loopControl(loop: ts.IterationStatement, completion: Completion): Completion | "break" | "continue" {
    if (!completion) return undefined;
    if (completion.kind === "return") return completion;
    const label = ts.isLabeledStatement(loop.parent) ? loop.parent.label.text : undefined;
    if (completion.label !== undefined && completion.label !== label) return completion;
    return completion.kind;
  }

  private forLoop(node: ts.ForStatement, scope: Scope): Completion {
    let loopScope = new Scope(scope, scope.owner);
    const init = node.initializer;
    if (init && ts.isVariableDeclarationList(init)) this.declare(init, loopScope);
    else if (init) this.evaluate(init, loopScope);
    const perIteration = init !== undefined && ts.isVariableDeclarationList(init) && init.flags & ts.NodeFlags.Let;
    for (;;) {
      this.step(node);
      if (node.condition && !this.truthy(this.evaluate(node.condition, loopScope), node.condition)) break;
      const control = this.loopControl(node, this.statement(node.statement, loopScope));
      if (control === "break") break;
      if (control !== "continue" && control) return control;
      // `let` bindings are fresh in each iteration, so closures made in the body keep their own.
      if (perIteration) {
        const next = new Scope(scope, scope.owner);
        for (const [name, binding] of loopScope.bindings) next.bindings.set(name, { value: readBinding(binding) });
        loopScope = next;
      }
      if (node.incrementor) this.evaluate(node.incrementor, loopScope);
    }
    return undefined;
  }

  private forOfLoop(node: ts.ForOfStatement | ts.ForInStatement, scope: Scope): Completion {
    const iterated = this.evaluate(node.expression, scope);
    let items: HeapValue[];
    if (ts.isForInStatement(node)) items = this.object(iterated, node.expression).keys();
    else if (iterated instanceof HeapArray) items = [...iterated.elements];
    else if (typeof iterated === "string") items = [...iterated];
    else return this.stop("'for...of' over something other than an array or a string", node.expression);
    for (const item of items) {
      this.step(node);
      const iteration = new Scope(scope, scope.owner);
      const init = node.initializer;
      if (ts.isVariableDeclarationList(init)) {
        const declaration = init.declarations[0]!;
        this.bindPattern(declaration.name, item, iteration, !(init.flags & ts.NodeFlags.BlockScoped));
      } else this.assign(init, item, iteration);
      const control = this.loopControl(node, this.statement(node.statement, iteration));
      if (control === "break") break;
      if (control !== "continue" && control) return control;
    }
    return undefined;
  }

  private switchStatement(node: ts.SwitchStatement, scope: Scope): Completion {
    const value = this.evaluate(node.expression, scope);
    const clauses = node.caseBlock.clauses;
    const inner = new Scope(scope, scope.owner);
    let start = clauses.findIndex(
      (clause) => ts.isCaseClause(clause) && this.strictEquals(value, this.evaluate(clause.expression, inner)),
    );
    if (start < 0) start = clauses.findIndex((clause) => ts.isDefaultClause(clause));
    if (start < 0) return undefined;
    for (const clause of clauses.slice(start)) {
      const completion = this.statements(clause.statements, inner);
      if (completion?.kind === "break" && completion.label === undefined) return undefined;
      if (completion) return completion;
    }
    return undefined;
  }

  private declare(list: ts.VariableDeclarationList, scope: Scope): void {
    const isVar = !(list.flags & ts.NodeFlags.BlockScoped);
    for (const declaration of list.declarations) {
      if (!declaration.initializer && isVar) continue;
      const value = declaration.initializer ? this.evaluate(declaration.initializer, scope) : undefined;
      this.bindPattern(declaration.name, value, scope, isVar);
    }
  }

  /** Binds the names of a declaration's pattern; a `var` assigns the binding hoisted for it. */
  private bindPattern(name: ts.BindingName, value: HeapValue, scope: Scope, isVar: boolean): void {
    if (ts.isIdentifier(name)) {
      const hoisted = isVar ? scope.lookup(name.text) : undefined;
      if (hoisted && "value" in hoisted) hoisted.value = value;
      else scope.bindings.set(name.text, { value });
      return;
    }
    if (ts.isObjectBindingPattern(name)) {
      for (const element of name.elements) {
        if (element.dotDotDotToken) this.stop("a rest element in a pattern", element);
        const key = element.propertyName
          ? this.propertyName(element.propertyName, scope)
          : (element.name as ts.Identifier).text;
        let field = this.get(value, key, element);
        if (field === undefined && element.initializer) field = this.evaluate(element.initializer, scope);
        this.bindPattern(element.name, field, scope, isVar);
      }
      return;
    }
    name.elements.forEach((element, i) => {
      if (ts.isOmittedExpression(element)) return;
      if (element.dotDotDotToken) {
        const array = value instanceof HeapArray ? value : this.stop("a rest element of no array", element);
        this.bindPattern(element.name, new HeapArray(array.elements.slice(i)), scope, isVar);
        return;
      }
      let item = this.get(value, String(i), element);
      if (item === undefined && element.initializer) item = this.evaluate(element.initializer, scope);
      this.bindPattern(element.name, item, scope, isVar);
    });
  }

  // ----- expressions -----

  evaluate(node: ts.Expression, scope: Scope): HeapValue {
    this.step(node);
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node))
      return this.evaluate(node.expression, scope);
    if (ts.isSatisfiesExpression(node) || ts.isTypeAssertionExpression(node))
      return this.evaluate(node.expression, scope);
    if (ts.isNumericLiteral(node)) return Number(node.text);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node)) {
      let text = node.head.text;
      for (const span of node.templateSpans) {
        const value = this.evaluate(span.expression, scope);
        if (value instanceof Unknown) return value;
        text += this.toText(value, span.expression) + span.literal.text;
      }
      return text;
    }
    switch (node.kind) {
      case ts.SyntaxKind.TrueKeyword:
        return true;
      case ts.SyntaxKind.FalseKeyword:
        return false;
      case ts.SyntaxKind.NullKeyword:
        return null;
      case ts.SyntaxKind.ThisKeyword: {
        const binding = scope.lookup(thisName);
        return binding ? readBinding(binding) : undefined;
      }
    }
    if (ts.isIdentifier(node)) return this.identifier(node, scope);
    if (ts.isRegularExpressionLiteral(node)) return new Unknown("a regular expression", node);
    if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return this.makeFunction(node, scope);
    if (ts.isObjectLiteralExpression(node)) return this.objectLiteral(node, scope);
    if (ts.isArrayLiteralExpression(node)) {
      const elements: HeapValue[] = [];
      for (const element of node.elements) {
        if (ts.isSpreadElement(element)) {
          const spread = this.evaluate(element.expression, scope);
          if (!(spread instanceof HeapArray)) this.stop("a spread of something other than an array", element);
          elements.push(...spread.elements);
        } else if (ts.isOmittedExpression(element)) elements.push(undefined);
        else elements.push(this.evaluate(element, scope));
      }
      return new HeapArray(elements);
    }
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const global = this.globalMember(node, scope);
      if (global !== undefined) return global;
      const receiver = this.evaluate(node.expression, scope);
      if ((receiver === undefined || receiver === null) && node.questionDotToken) return undefined;
      return this.get(receiver, this.memberKey(node, scope), node);
    }
    if (ts.isCallExpression(node)) return this.callExpression(node, scope);
    if (ts.isNewExpression(node))
      return this.opaqueCall(node, node.arguments ?? [], scope, `'new ${node.expression.getText()}'`);
    if (ts.isConditionalExpression(node)) {
      const taken = this.truthy(this.evaluate(node.condition, scope), node.condition);
      return this.evaluate(taken ? node.whenTrue : node.whenFalse, scope);
    }
    if (ts.isPrefixUnaryExpression(node)) return this.prefix(node, scope);
    if (ts.isPostfixUnaryExpression(node)) {
      const old = this.number(this.evaluate(node.operand, scope), node.operand);
      const updated = node.operator === ts.SyntaxKind.PlusPlusToken ? old + 1 : old - 1;
      this.assign(node.operand, updated, scope);
      return old;
    }
    if (ts.isTypeOfExpression(node)) {
      // `typeof` of an undeclared name is "undefined", not an error.
      if (
        ts.isIdentifier(node.expression) &&
        !scope.lookup(node.expression.text) &&
        !isKnownGlobal(node.expression.text)
      )
        return "undefined";
      return this.typeOf(this.evaluate(node.expression, scope), node);
    }
    if (ts.isVoidExpression(node)) {
      this.evaluate(node.expression, scope);
      return undefined;
    }
    if (ts.isDeleteExpression(node)) {
      const target = node.expression;
      if (!ts.isPropertyAccessExpression(target) && !ts.isElementAccessExpression(target))
        return this.stop("'delete' of something other than a property", node);
      const object = this.object(this.evaluate(target.expression, scope), target.expression);
      object.properties.delete(this.memberKey(target, scope));
      object.writers.add(this.writer());
      return true;
    }
    if (ts.isBinaryExpression(node)) return this.binary(node, scope);
    return this.stop(`${ts.SyntaxKind[node.kind]} is not evaluated at load time`, node);
  }

  private identifier(node: ts.Identifier, scope: Scope): HeapValue {
    const binding = scope.lookup(node.text);
    if (binding) return readBinding(binding);
    if (node.text === "undefined") return undefined;
    if (node.text === "NaN") return NaN;
    if (node.text === "Infinity") return Infinity;
    return new Unknown(`the global '${node.text}'`, node);
  }

  /** `Math.PI`, `Number.EPSILON`: constants of the global objects, when not shadowed. */
  private globalMember(
    node: ts.PropertyAccessExpression | ts.ElementAccessExpression,
    scope: Scope,
  ): number | undefined {
    const object = node.expression;
    if (!ts.isIdentifier(object) || scope.lookup(object.text) || !ts.isPropertyAccessExpression(node)) return undefined;
    return globalConstant(object.text, node.name.text);
  }

  private memberKey(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): string {
    if (ts.isPropertyAccessExpression(node)) return node.name.text;
    return this.toKey(this.evaluate(node.argumentExpression, scope), node.argumentExpression);
  }

  private propertyName(name: ts.PropertyName, scope: Scope): string {
    if (ts.isComputedPropertyName(name)) return this.toKey(this.evaluate(name.expression, scope), name);
    if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
    return this.stop("a property name the load code computes otherwise", name);
  }

  private objectLiteral(node: ts.ObjectLiteralExpression, scope: Scope): HeapObject {
    const object = new HeapObject();
    const writer = this.writer();
    for (const property of node.properties) {
      if (ts.isPropertyAssignment(property)) {
        object.set(this.propertyName(property.name, scope), this.evaluate(property.initializer, scope), writer);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        object.set(property.name.text, this.identifier(property.name, scope), writer);
      } else if (ts.isMethodDeclaration(property) && property.body) {
        object.set(this.propertyName(property.name, scope), this.makeFunction(property, scope), writer);
      } else if (ts.isSpreadAssignment(property)) {
        const spread = this.evaluate(property.expression, scope);
        if (spread === undefined || spread === null) continue;
        const from = this.object(spread, property.expression);
        for (const key of from.keys()) object.set(key, from.get(key), writer);
      } else {
        this.stop("an accessor in an object literal", property);
      }
    }
    return object;
  }

  makeFunction(node: FunctionNode, scope: Scope): HeapFunction {
    const fn = new HeapFunction(node, scope, this.current?.source.inProgram ?? false);
    if (!ts.isArrowFunction(node)) fn.set("prototype", new HeapObject(), this.writer(), false);
    return fn;
  }

  private prefix(node: ts.PrefixUnaryExpression, scope: Scope): HeapValue {
    if (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken) {
      const old = this.number(this.evaluate(node.operand, scope), node.operand);
      const updated = node.operator === ts.SyntaxKind.PlusPlusToken ? old + 1 : old - 1;
      this.assign(node.operand, updated, scope);
      return updated;
    }
    const operand = this.evaluate(node.operand, scope);
    if (node.operator === ts.SyntaxKind.ExclamationToken) return !this.truthy(operand, node.operand);
    if (operand instanceof Unknown) return operand;
    const n = this.number(operand, node.operand);
    if (node.operator === ts.SyntaxKind.MinusToken) return -n;
    if (node.operator === ts.SyntaxKind.PlusToken) return n;
    if (node.operator === ts.SyntaxKind.TildeToken) return ~n;
    return this.stop("an operator not evaluated at load time", node);
  }

  private binary(node: ts.BinaryExpression, scope: Scope): HeapValue {
    const operator = node.operatorToken.kind;
    if (operator === ts.SyntaxKind.EqualsToken) {
      const value = this.evaluate(node.right, scope);
      this.assign(node.left, value, scope);
      return value;
    }
    const compound = compoundOperators.get(operator);
    if (compound !== undefined) {
      const value = this.arithmetic(compound, this.evaluate(node.left, scope), this.evaluate(node.right, scope), node);
      this.assign(node.left, value, scope);
      return value;
    }
    if (operator === ts.SyntaxKind.AmpersandAmpersandToken) {
      const left = this.evaluate(node.left, scope);
      return this.truthy(left, node.left) ? this.evaluate(node.right, scope) : left;
    }
    if (operator === ts.SyntaxKind.BarBarToken) {
      const left = this.evaluate(node.left, scope);
      return this.truthy(left, node.left) ? left : this.evaluate(node.right, scope);
    }
    if (operator === ts.SyntaxKind.QuestionQuestionToken) {
      const left = this.evaluate(node.left, scope);
      if (left instanceof Unknown) return this.stop("'??' of a value the compiler does not compute", node.left);
      return left === undefined || left === null ? this.evaluate(node.right, scope) : left;
    }
    if (operator === ts.SyntaxKind.CommaToken) {
      this.evaluate(node.left, scope);
      return this.evaluate(node.right, scope);
    }
    const left = this.evaluate(node.left, scope);
    const right = this.evaluate(node.right, scope);
    if (operator === ts.SyntaxKind.InKeyword) {
      const object = this.object(right, node.right);
      return object instanceof HeapArray
        ? object.get(this.toKey(left, node.left)) !== undefined
        : object.properties.has(this.toKey(left, node.left));
    }
    return this.arithmetic(operator, left, right, node);
  }

  private arithmetic(operator: ts.SyntaxKind, left: HeapValue, right: HeapValue, node: ts.Node): HeapValue {
    const equality = equalityOperators.get(operator);
    if (equality) {
      if (left instanceof Unknown || right instanceof Unknown)
        return new Unknown("a comparison of unknown values", node);
      const equal = equality.strict ? this.strictEquals(left, right) : this.looseEquals(left, right, node);
      return equal === equality.equal;
    }
    if (left instanceof Unknown) return left;
    if (right instanceof Unknown) return right;
    if (
      operator === ts.SyntaxKind.PlusToken &&
      (typeof left === "string" || typeof right === "string" || isObject(left) || isObject(right))
    )
      return this.toText(left, node) + this.toText(right, node);
    const compare = comparisonOperators.get(operator);
    if (compare) {
      if (typeof left === "string" && typeof right === "string") return compare(left, right);
      return compare(this.number(left, node), this.number(right, node));
    }
    const apply = arithmeticOperators.get(operator);
    if (!apply) return this.stop(`the operator '${ts.tokenToString(operator)}' is not evaluated at load time`, node);
    return apply(this.number(left, node), this.number(right, node));
  }

  /** Assigns `value` to a name, a property or a pattern. */
  private assign(target: ts.Expression, value: HeapValue, scope: Scope): void {
    const node = skipWrappers(target);
    if (ts.isIdentifier(node)) {
      const binding = scope.lookup(node.text);
      if (!binding || !("value" in binding))
        return this.stop(`'${node.text}' is assigned, but not declared by the load code`, node);
      binding.value = value;
      return;
    }
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const receiver = this.evaluate(node.expression, scope);
      const key = this.memberKey(node, scope);
      if (receiver instanceof HeapObject) {
        if (receiver instanceof HeapArray && key === "length" && typeof value === "number") {
          receiver.elements.length = value;
          receiver.writers.add(this.writer());
          return;
        }
        return receiver.set(key, value, this.writer());
      }
      if (receiver instanceof Unknown && !isObject(value)) return;
      return this.stop(
        `a property is assigned to ${receiver instanceof Unknown ? "a value the compiler does not compute" : "no object"}`,
        node,
      );
    }
    if (ts.isArrayLiteralExpression(node)) {
      node.elements.forEach((element, i) => {
        if (!ts.isOmittedExpression(element)) this.assign(element, this.get(value, String(i), element), scope);
      });
      return;
    }
    if (ts.isObjectLiteralExpression(node)) {
      for (const property of node.properties) {
        if (ts.isShorthandPropertyAssignment(property))
          this.assign(property.name, this.get(value, property.name.text, property), scope);
        else if (ts.isPropertyAssignment(property))
          this.assign(property.initializer, this.get(value, this.propertyName(property.name, scope), property), scope);
        else this.stop("a pattern not evaluated at load time", property);
      }
      return;
    }
    return this.stop("an assignment target not evaluated at load time", node);
  }

  // ----- calls -----

  private callExpression(node: ts.CallExpression, scope: Scope): HeapValue {
    const callee = skipWrappers(node.expression);
    const args = () => this.arguments(node.arguments, scope);
    if (ts.isIdentifier(callee) && callee.text === "require" && !scope.lookup("require")) {
      const [specifier] = node.arguments;
      if (!specifier) return this.stop("'require' without a module", node);
      return this.imported(specifier, this.current!.source.file).module.get("exports");
    }
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
      const object = callee.expression;
      const key = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      if (ts.isIdentifier(object) && key && !scope.lookup(object.text)) {
        const native = globalFunctions.get(`${object.text}.${key}`);
        if (native) return native(this, args());
      }
      const receiver = this.evaluate(object, scope);
      const name = this.memberKey(callee, scope);
      if ((receiver === undefined || receiver === null) && callee.questionDotToken) return undefined;
      const method = receiver instanceof HeapArray ? arrayMethods.get(name) : undefined;
      if (method && !(receiver as HeapArray).properties.has(name)) return method(this, receiver as HeapArray, args());
      const fn = this.get(receiver, name, callee);
      if (fn instanceof HeapFunction && (name === "call" || name === "apply" || name === "bind"))
        return this.stop(`'${name}' is not evaluated at load time`, callee);
      return this.callValue(fn, receiver, args(), node);
    }
    const fn = this.evaluate(callee, scope);
    return this.callValue(fn, undefined, args(), node);
  }

  private arguments(nodes: readonly ts.Expression[], scope: Scope): HeapValue[] {
    const values: HeapValue[] = [];
    for (const arg of nodes) {
      if (ts.isSpreadElement(arg)) {
        const spread = this.evaluate(arg.expression, scope);
        if (!(spread instanceof HeapArray)) this.stop("a spread argument of something other than an array", arg);
        values.push(...spread.elements);
      } else values.push(this.evaluate(arg, scope));
    }
    return values;
  }

  private callValue(fn: HeapValue, thisValue: HeapValue, args: HeapValue[], node: ts.Node): HeapValue {
    if (fn instanceof HeapFunction) return this.callFunction(fn, thisValue, args, node);
    if (fn instanceof Unknown) {
      const callee = ts.isCallExpression(node) ? `'${node.expression.getText()}'` : "a function";
      return this.opaqueResult(args, node, `${callee}, which the compiler does not call`);
    }
    return this.stop("the load code calls something that is not a function", node);
  }

  /** A host function or constructor: not called; its result is unknown. Given an object or a
   * function, it could change the object or call the function later, so the load stops. */
  private opaqueCall(node: ts.Node, argNodes: readonly ts.Expression[], scope: Scope, what: string): HeapValue {
    return this.opaqueResult(this.arguments(argNodes, scope), node, what);
  }

  private opaqueResult(args: HeapValue[], node: ts.Node, what: string): HeapValue {
    if (args.some(isObject))
      return this.stop(`an object or function is passed to ${what}, which may change or keep it`, node);
    return new Unknown(`the result of ${what}`, node);
  }

  call(fn: HeapValue, thisValue: HeapValue, args: HeapValue[]): HeapValue {
    return this.callValue(fn, thisValue, args, this.current!.source.file);
  }

  private callFunction(fn: HeapFunction, thisValue: HeapValue, args: HeapValue[], node: ts.Node): HeapValue {
    const declaration = fn.node;
    if (declaration.asteriskToken || ts.getModifiers(declaration)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword))
      return this.stop("a generator or async function is called at load time", node);
    if (this.functions.length >= callDepthLimit) return this.stop("load-time calls nest too deeply", node);
    const scope = new Scope(fn.scope, declaration);
    if (!ts.isArrowFunction(declaration)) scope.bindings.set(thisName, { value: thisValue });
    if (ts.isFunctionExpression(declaration) && declaration.name)
      scope.bindings.set(declaration.name.text, { value: fn });
    declaration.parameters.forEach((p, i) => {
      if (p.dotDotDotToken) return this.bindPattern(p.name, new HeapArray(args.slice(i)), scope, false);
      let arg = args[i];
      if (arg === undefined && p.initializer) arg = this.evaluate(p.initializer, scope);
      this.bindPattern(p.name, arg, scope, false);
    });
    const body = declaration.body!;
    this.functions.push(declaration);
    try {
      if (!ts.isBlock(body)) return this.evaluate(body, scope);
      this.hoist(body.statements, scope, true);
      const completion = this.statements(body.statements, scope);
      if (completion && completion.kind !== "return") return this.stop("a jump out of a function", body);
      return completion?.value;
    } finally {
      this.functions.pop();
    }
  }

  // ----- values -----

  get(receiver: HeapValue, key: string, node: ts.Node): HeapValue {
    if (receiver instanceof HeapObject) return receiver.get(key);
    if (typeof receiver === "string") {
      if (key === "length") return receiver.length;
      const index = Number(key);
      if (Number.isInteger(index)) return receiver[index];
      return new Unknown(`a string's '${key}'`, node);
    }
    if (receiver === undefined || receiver === null)
      return this.stop(`the load code reads '${key}' of ${String(receiver)}`, node);
    if (receiver instanceof Unknown) return receiver;
    return new Unknown(`a ${typeof receiver}'s '${key}'`, node);
  }

  private object(value: HeapValue, node: ts.Node): HeapObject {
    if (value instanceof HeapObject) return value;
    return this.stop(
      value instanceof Unknown ? "an object the compiler does not compute" : "no object where the code needs one",
      node,
    );
  }

  truthy(value: HeapValue, node: ts.Node = this.current!.source.file): boolean {
    if (value instanceof Unknown) return this.stop(`a condition on ${value.why}`, node);
    return isObject(value) || Boolean(value);
  }

  strictEquals(a: HeapValue, b: HeapValue): boolean {
    return a === b;
  }

  private looseEquals(a: HeapValue, b: HeapValue, node: ts.Node): boolean {
    if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
    if (a === undefined || a === null || b === undefined || b === null) return false;
    if (isObject(a) || isObject(b))
      return isObject(a) && isObject(b) ? a === b : this.stop("'==' of an object and a primitive", node);
    return typeof a === typeof b ? a === b : Number(a) === Number(b);
  }

  private number(value: HeapValue, node: ts.Node): number {
    if (typeof value === "number") return value;
    if (value === undefined) return NaN;
    if (value === null || typeof value === "boolean" || typeof value === "string") return Number(value);
    return this.stop("an object used as a number at load time", node);
  }

  private toText(value: HeapValue, node: ts.Node): string {
    if (value instanceof HeapArray)
      return value.elements.map((e) => (e === undefined || e === null ? "" : this.toText(e, node))).join(",");
    if (isObject(value) || value instanceof Unknown)
      return this.stop("an object converted to a string at load time", node);
    return String(value);
  }

  toKey(value: HeapValue, node: ts.Node = this.current!.source.file): string {
    if (value instanceof Unknown) return this.stop(`a property key computed from ${value.why}`, node);
    return this.toText(value, node);
  }

  private typeOf(value: HeapValue, node: ts.Node): HeapValue {
    if (value instanceof Unknown) return new Unknown(`typeof ${value.why}`, node);
    if (value instanceof HeapFunction) return "function";
    if (value === null || value instanceof HeapObject) return "object";
    return typeof value;
  }

  writer(): ts.FunctionLikeDeclaration | undefined {
    return this.functions.at(-1);
  }

  stop(why: string, node: ts.Node = this.current!.source.file): never {
    throw new LoadTimeStop(why, node);
  }

  private step(node: ts.Node): void {
    if (++this.steps > this.budget) this.stop(`the load code runs more than ${this.budget} steps`, node);
  }
}

function isObject(value: HeapValue): value is HeapObject {
  return value instanceof HeapObject;
}

/** The names a declaration's pattern binds. */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : boundNames(element.name)));
}

/** Globals whose `typeof` is not "undefined" even though the interpreter does not model them. */
function isKnownGlobal(name: string): boolean {
  return name in globalThis;
}

const arithmeticOperators = new Map<ts.SyntaxKind, (a: number, b: number) => number>([
  ...numericOperatorValues,
  [ts.SyntaxKind.AmpersandToken, (a, b) => a & b],
  [ts.SyntaxKind.BarToken, (a, b) => a | b],
  [ts.SyntaxKind.CaretToken, (a, b) => a ^ b],
  [ts.SyntaxKind.LessThanLessThanToken, (a, b) => a << b],
  [ts.SyntaxKind.GreaterThanGreaterThanToken, (a, b) => a >> b],
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken, (a, b) => a >>> b],
]);

const compoundOperators = new Map<ts.SyntaxKind, ts.SyntaxKind>([
  [ts.SyntaxKind.PlusEqualsToken, ts.SyntaxKind.PlusToken],
  [ts.SyntaxKind.MinusEqualsToken, ts.SyntaxKind.MinusToken],
  [ts.SyntaxKind.AsteriskEqualsToken, ts.SyntaxKind.AsteriskToken],
  [ts.SyntaxKind.SlashEqualsToken, ts.SyntaxKind.SlashToken],
  [ts.SyntaxKind.PercentEqualsToken, ts.SyntaxKind.PercentToken],
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken, ts.SyntaxKind.AsteriskAsteriskToken],
  [ts.SyntaxKind.BarEqualsToken, ts.SyntaxKind.BarToken],
  [ts.SyntaxKind.AmpersandEqualsToken, ts.SyntaxKind.AmpersandToken],
]);

const comparisonOperators = new Map<ts.SyntaxKind, (a: number | string, b: number | string) => boolean>([
  [ts.SyntaxKind.LessThanToken, (a, b) => a < b],
  [ts.SyntaxKind.LessThanEqualsToken, (a, b) => a <= b],
  [ts.SyntaxKind.GreaterThanToken, (a, b) => a > b],
  [ts.SyntaxKind.GreaterThanEqualsToken, (a, b) => a >= b],
]);

const equalityOperators = new Map<ts.SyntaxKind, { strict: boolean; equal: boolean }>([
  [ts.SyntaxKind.EqualsEqualsEqualsToken, { strict: true, equal: true }],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, { strict: true, equal: false }],
  [ts.SyntaxKind.EqualsEqualsToken, { strict: false, equal: true }],
  [ts.SyntaxKind.ExclamationEqualsToken, { strict: false, equal: false }],
]);
