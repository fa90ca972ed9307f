/**
 * Classes of the project: `new C(...)`, `this`, methods, getters and setters, static methods
 * and static readonly constants, `extends` and `super`, `instanceof`. Everything is resolved at
 * compile time:
 * - an instance is an object value (its leaves by dotted path, see objects.ts); nothing is
 *   allocated in generated code;
 * - a constructor, method or accessor is inlined where it is called, with `this` bound to the
 *   receiver's object in a variable of its own (a ThisBinding);
 * - a method that writes `this.x` gives `this` a new object; after the call, the receiver
 *   takes it: the local variable it came from (checked as objects.ts checks `v.x = ...`), the
 *   `this` of the calling method, or nothing for a new instance no one else holds. A chain
 *   (`v.add(w).scale(2)`) passes the receiver on through methods that return `this`.
 * - a method is the one of the class the receiver was made by, when that is known (a new
 *   instance, a `const` holding one, `this` in the members it runs), else the one of the
 *   receiver's static type; a call whose target is not known (an interface, a union, a method
 *   a subclass overrides) is a diagnostic, as are classes without source;
 * - a `@differentiable` method takes its instance as the parameter `self` (selfParams).
 * It also answers the questions other constructs ask about classes: which objects are new
 * (objects.ts), which calls return their receiver, which variables a loop's calls change
 * (loop-analysis.ts), and folds `instanceof`.
 */
import { ts } from "ts-morph";
import type { Param, Type, Value } from "../ir/types.js";
import type { FunctionNode } from "./annotations.js";
import { forgetLocals } from "./calls.js";
import type { LoweringContext, Outcome } from "./context.js";
import { lowerExpression } from "./expressions.js";
import { libraryClass, libraryMember, libraryOverloads, libraryReturnType } from "./library-classes.js";
import { bindParameter } from "./omitted-parameters.js";
import { bindObjectArguments, calledMethod, mayReturnReceiver, returnsArgument } from "./object-arguments.js";
import { field, fieldsOf, leafParams, makeObject, mayAlias, rejectSharedWrite } from "./objects.js";
import { lowerStatements } from "./statements.js";
import { assignmentTarget, skipParentheses } from "./syntax.js";

/** The instance `this` is in the constructor, method or accessor being inlined. */
export interface ThisBinding {
  /** The variable (of cx.env) holding the instance's current object. */
  symbol: ts.Symbol;
  /** The member whose `this` it is (the class itself for its field initialisers). */
  container: ts.Node;
  /** The class declaring the member: its base is what `super` names. */
  cls: ts.ClassLikeDeclaration;
}

type Member = ts.MethodDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

const isStatic = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);

// ----- what a name is -----

/** The class a name or expression refers to: a class statement, or `const C = class {...}`. */
function classNamed(cx: LoweringContext, expression: ts.Expression): ts.ClassLikeDeclaration | undefined {
  const symbol = aliasTarget(cx, cx.checker.getSymbolAtLocation(expression));
  const declaration = symbol && classOfSymbol(cx, symbol);
  if (declaration || !symbol || !(symbol.flags & ts.SymbolFlags.Class)) return declaration;
  return cx.fail(
    expression,
    "AD1005",
    `the class '${symbol.name}' has no source the compiler can read`,
    "use a class declared in the project, or compute the value outside and pass it in",
  );
}

/**
 * The class whose source the compiler lowers for a symbol: its class statement or the class
 * expression a `const` holds, and for a package's class the one of its JavaScript (behind the
 * typings); undefined when there is none. Every question about which class is which (new,
 * extends, instanceof) goes through it, so that both sides name the same declaration.
 */
function classOfSymbol(cx: LoweringContext, symbol: ts.Symbol): ts.ClassLikeDeclaration | undefined {
  const variable = symbol.valueDeclaration;
  if (
    variable &&
    ts.isVariableDeclaration(variable) &&
    ts.getCombinedNodeFlags(variable) & ts.NodeFlags.Const &&
    variable.initializer &&
    ts.isClassExpression(skipParentheses(variable.initializer))
  ) {
    return skipParentheses(variable.initializer) as ts.ClassExpression;
  }
  if (!(symbol.flags & ts.SymbolFlags.Class)) return undefined;
  const declaration = symbol.declarations?.find((d): d is ts.ClassLikeDeclaration => ts.isClassLike(d));
  if (declaration?.getSourceFile().isDeclarationFile) return libraryClass(cx.checker, declaration);
  return declaration;
}

const aliasTarget = (cx: LoweringContext, symbol: ts.Symbol | undefined) =>
  symbol && symbol.flags & ts.SymbolFlags.Alias ? cx.checker.getAliasedSymbol(symbol) : symbol;

/** The class a class extends, or undefined. */
function baseOf(cx: LoweringContext, cls: ts.ClassLikeDeclaration): ts.ClassLikeDeclaration | undefined {
  const clause = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
  const base = clause?.types[0]?.expression;
  if (!base) return undefined;
  return (
    classNamed(cx, base) ??
    cx.fail(
      base,
      "AD1004",
      `'${base.getText()}' is not a class the compiler can read`,
      "extend a class declared in the project",
    )
  );
}

/** The class members a property name resolves to, when the property is declared in classes. */
export function classMembers(cx: LoweringContext, name: ts.MemberName): ts.Declaration[] | undefined {
  const symbol = cx.checker.getSymbolAtLocation(name);
  const declarations = symbol?.declarations ?? [];
  const inClass = (d: ts.Declaration) =>
    d.parent !== undefined && (ts.isClassLike(d.parent) || ts.isParameterPropertyDeclaration(d, d.parent));
  return declarations.length > 0 && declarations.every(inClass) ? declarations : undefined;
}

/** Where a class member is declared: its class. */
const classOf = (member: ts.Declaration) => member.parent as ts.ClassLikeDeclaration;

// ----- new, constructors and super -----

/** `new C(...)` of a class of the project: the instance's object; undefined for other `new`. */
export function lowerNew(cx: LoweringContext, expression: ts.NewExpression): Value | undefined {
  const cls = classNamed(cx, expression.expression);
  if (!cls) return undefined;
  if (cls.modifiers?.some((m) => m.kind === ts.SyntaxKind.AbstractKeyword)) cx.unsupported(expression);
  const args = (expression.arguments ?? []).map((arg) => lowerExpression(cx, arg));
  const self = cx.synthetic("self");
  cx.env.set(self, makeObject(cx, new Map()));
  runtimeClasses.set(self, cls);
  construct(cx, expression, cls, args, self);
  const instance = cx.env.get(self)!;
  cx.env.delete(self);
  return instance;
}

/**
 * Runs the constructor of `cls` on the instance in `self`: its own (inlined), or the implicit
 * one, which passes the arguments to the base class's. Fields are initialised as TypeScript
 * does: parameter properties, then field initialisers, then the body; in a derived class,
 * when `super(...)` returns.
 */
function construct(cx: LoweringContext, site: ts.Node, cls: ts.ClassLikeDeclaration, args: Value[], self: ts.Symbol) {
  const constructor = cls.members.find(
    (m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && !!m.body,
  );
  const base = baseOf(cx, cls);
  if (!constructor) {
    if (base) construct(cx, site, base, args, self);
    if (classesInitialized.has(cls)) {
      // A field initialiser making an instance of its own class (the constructor would be found
      // among the inlined functions).
      cx.fail(
        site,
        "AD1004",
        `'${cls.name?.text ?? "(anonymous)"}' makes an instance of itself`,
        "write the recursion as a loop",
      );
    }
    classesInitialized.add(cls);
    try {
      inlineMember(cx, site, cls, cls, [], self, () => initializeFields(cx, cls, self, undefined));
    } finally {
      classesInitialized.delete(cls);
    }
    return;
  }
  if (hasEarlyReturn(constructor) || constructor.body!.statements.some(ts.isReturnStatement)) {
    cx.fail(
      site,
      "AD1003",
      `the constructor of '${cls.name?.text ?? "(anonymous)"}' returns, which is not supported`,
      "let the constructor end without return",
    );
  }
  inlineMember(cx, site, cls, constructor, args, self, () => {
    if (!base) initializeFields(cx, cls, self, constructor);
  });
}

/** The classes without a constructor whose fields are being initialised. */
const classesInitialized = new Set<ts.ClassLikeDeclaration>();

/** `super(...)` in a constructor: the base class's constructor, then this class's fields. */
export function lowerSuperCall(cx: LoweringContext, call: ts.CallExpression): undefined {
  const binding = cx.thisBinding;
  const base = binding && baseOf(cx, binding.cls);
  if (!binding || !base || !ts.isConstructorDeclaration(binding.container)) return cx.unsupported(call);
  const args = call.arguments.map((arg) => lowerExpression(cx, arg));
  construct(cx, call, base, args, binding.symbol);
  initializeFields(cx, binding.cls, binding.symbol, binding.container);
  return undefined;
}

/** The parameter properties (`constructor(public x: number)`) and field initialisers (`x = 0`). */
function initializeFields(
  cx: LoweringContext,
  cls: ts.ClassLikeDeclaration,
  self: ts.Symbol,
  constructor: ts.ConstructorDeclaration | undefined,
): void {
  for (const p of constructor?.parameters ?? []) {
    if (!ts.isParameterPropertyDeclaration(p, constructor!) || !ts.isIdentifier(p.name)) continue;
    setField(cx, self, p.name.text, cx.env.get(cx.symbolOf(p.name))!);
  }
  for (const member of cls.members) {
    if (!ts.isPropertyDeclaration(member) || isStatic(member) || !member.initializer) continue;
    if (ts.isComputedPropertyName(member.name)) cx.unsupported(member.name);
    setField(cx, self, member.name.text, lowerExpression(cx, member.initializer));
  }
}

/** The instance in `self` with one field replaced (an object field by its leaves). */
function setField(cx: LoweringContext, self: ts.Symbol, key: string, value: Value): void {
  const leaves: [string, Value][] =
    value.type === "object"
      ? [...fieldsOf(cx, value)].map(([inner, leaf]) => [`${key}.${inner}`, leaf])
      : [[key, value]];
  // The new leaves take the place of the old ones: fields keep the order they were first given.
  const fields: [string, Value][] = [];
  let placed = false;
  for (const entry of fieldsOf(cx, cx.env.get(self)!)) {
    if (entry[0] !== key && !entry[0].startsWith(`${key}.`)) fields.push(entry);
    else if (!placed) ((placed = true), fields.push(...leaves));
  }
  if (!placed) fields.push(...leaves);
  cx.env.set(self, makeObject(cx, new Map(fields)));
}

// ----- this -----

/** The node whose `this` a `this` is: the nearest function that is not an arrow function, or a
 * field's declaration (for its initialiser). */
function thisContainer(node: ts.Node): ts.Node | undefined {
  for (let parent = node.parent; parent; parent = parent.parent) {
    if ((ts.isFunctionLike(parent) && !ts.isArrowFunction(parent)) || ts.isPropertyDeclaration(parent)) return parent;
  }
  return undefined;
}

/** `this` inside the member being inlined. */
export function lowerThis(cx: LoweringContext, node: ts.Node): Value {
  const binding = cx.thisBinding;
  const container = binding && thisContainer(node);
  const inFieldInitializer =
    container !== undefined && ts.isPropertyDeclaration(container) && container.parent === binding!.cls;
  if (!binding || (container !== binding.container && !inFieldInitializer)) {
    return cx.fail(
      node,
      "AD1004",
      "'this' here is not an instance the compiler knows (only constructors, methods and accessors of classes are inlined with their 'this')",
      "pass the object as a parameter",
    );
  }
  return cx.env.get(binding.symbol)!;
}

/**
 * `this.x = e` (and `+=`, `++`) in a member being inlined: `this` gets a new object. Nested
 * fields stay unwritten, as they do for local objects: that object may be another's too.
 * Undefined for other targets.
 */
export function writeThisField(
  cx: LoweringContext,
  target: ts.PropertyAccessExpression,
  update: (old: () => Value) => Value,
): Value | undefined {
  const setter = setterOf(cx, target);
  if (setter) return writeThroughSetter(cx, target, setter, update);
  let root = target.expression;
  while (ts.isPropertyAccessExpression(root)) root = root.expression;
  if (root.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  if (root !== target.expression) {
    const inner = target.expression.getText();
    cx.fail(
      target,
      "AD1004",
      `writing a field of the nested object '${inner}' is not supported: that object may be shared`,
      `give it a new object instead: ${inner} = new ...(...)`,
    );
  }
  const instance = lowerThis(cx, target.expression);
  rejectSharedThis(cx, target);
  const key = target.name.text;
  const value = update(() => cx.expectType(target, readField(cx, instance, key, target), "number"));
  setField(cx, cx.thisBinding!.symbol, key, value);
  return value;
}

/**
 * Writing `this` is allowed when the member gives its object no other name (`const self =
 * this`, `this` stored in an object): such a name would not see the write.
 */
function rejectSharedThis(cx: LoweringContext, target: ts.Node): void {
  const container = cx.thisBinding!.container;
  if (container === cx.fn.node) {
    cx.fail(
      target,
      "AD1004",
      `writing 'this' in the differentiable method '${cx.fn.name}' would change the instance the caller passed`,
      "write into a copy (const copy = this.clone()), or return a new instance",
    );
  }
  let shared: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (shared) return;
    if (
      node.kind === ts.SyntaxKind.ThisKeyword &&
      thisContainer(node) === container &&
      mayAlias(cx, node as ts.Expression)
    )
      shared = node;
    ts.forEachChild(node, visit);
  };
  visit(container);
  if (shared) {
    const line = ts.getLineAndCharacterOfPosition(shared.getSourceFile(), shared.getStart()).line + 1;
    const keeper = shared.parent;
    if (ts.isNewExpression(keeper) || ts.isCallExpression(keeper)) {
      // `new Narrowphase(this)`: an object keeping the instance, as a simulation's parts keep it.
      cx.fail(
        target,
        "AD1004",
        `'this' is passed to '${keeper.getText()}' on line ${line}, which keeps it and would not see this write`,
        "an instance other objects keep (a simulation world its parts refer back to) cannot be written: compute with instances no other object keeps, or with their number fields, in the differentiable function",
      );
    }
    cx.fail(
      target,
      "AD1004",
      `'this' is given another name on line ${line}, which would not see this write`,
      "use 'this' itself instead of another name for it",
    );
  }
}

function readField(cx: LoweringContext, instance: Value, key: string, node: ts.Node): Value {
  const leaf = fieldsOf(cx, instance).get(key);
  if (leaf) return leaf;
  return cx.fail(
    node,
    "AD1009",
    `the field '${key}' is read before it is given a value, or is not a number`,
    "give the field a value in the constructor or its declaration",
  );
}

// ----- methods and accessors -----

/**
 * `receiver.method(...)`, `C.method(...)`, `super.method(...)` of a class of the project,
 * inlined; undefined when the callee is no class method (an object literal's method, a
 * function value: calls.ts handles or rejects those). `handled` is false then.
 */
export function lowerMethodCall(
  cx: LoweringContext,
  call: ts.CallExpression,
): { handled: false } | { handled: true; value: Value | undefined } {
  const callee = skipParentheses(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return { handled: false };
  const declarations = classMembers(cx, callee.name);
  if (!declarations) {
    rejectDynamicMethod(cx, call, callee);
    return { handled: false };
  }
  const method = resolved(cx, call, callee, declarations);
  if (!ts.isMethodDeclaration(method)) return { handled: false };
  const args = () => call.arguments.map((arg) => lowerExpression(cx, arg));
  return { handled: true, value: callMember(cx, call, callee.expression, method, args) };
}

/** `receiver.name` of a getter, or a static readonly constant; undefined for fields and others. */
export function lowerClassProperty(cx: LoweringContext, expression: ts.PropertyAccessExpression): Value | undefined {
  const declarations = classMembers(cx, expression.name);
  if (!declarations) return undefined;
  const isField = declarations.every((d) => !isStatic(d) && !ts.isAccessor(d));
  // `this` has the type `this`, which is no object type: its fields are read here.
  if (isField && expression.expression.kind === ts.SyntaxKind.ThisKeyword) {
    return field(cx, lowerThis(cx, expression.expression), expression.name.text, expression.name);
  }
  const getter = declarations.find(ts.isGetAccessorDeclaration);
  if (getter)
    return callMember(cx, expression, expression.expression, resolved(cx, expression, expression, [getter]), () => []);
  const property = declarations.find(ts.isPropertyDeclaration);
  if (!property || !isStatic(property)) return undefined;
  return lowerStaticField(cx, expression, property);
}

/** `C.NAME` of `static readonly NAME = <expression>`: the expression, lowered where it is read. */
function lowerStaticField(cx: LoweringContext, node: ts.Node, property: ts.PropertyDeclaration): Value {
  const readonly = (ts.getModifiers(property) ?? []).some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword);
  if (!readonly || !property.initializer) {
    cx.fail(
      node,
      "AD1004",
      `'${property.name.getText()}' is a static field that is not readonly with an initialiser: other code may change it`,
      "declare it `static readonly`, or pass the value in as a parameter",
    );
  }
  const frame = cx.frame();
  cx.sourceFile = property.getSourceFile();
  cx.thisBinding = undefined;
  const value = lowerExpression(cx, property.initializer);
  cx.restoreFrame(frame);
  return value;
}

function setterOf(cx: LoweringContext, target: ts.PropertyAccessExpression): ts.SetAccessorDeclaration | undefined {
  const setter = classMembers(cx, target.name)?.find(ts.isSetAccessorDeclaration);
  return setter && (resolved(cx, target, target, [setter]) as ts.SetAccessorDeclaration);
}

/** `receiver.name = e` of a setter: the setter inlined with the new value (after the getter
 * for `+=`). */
function writeThroughSetter(
  cx: LoweringContext,
  target: ts.PropertyAccessExpression,
  setter: ts.SetAccessorDeclaration,
  update: (old: () => Value) => Value,
): Value {
  const receiver = skipParentheses(target.expression);
  if (!ts.isIdentifier(receiver) && receiver.kind !== ts.SyntaxKind.ThisKeyword) {
    // `+=` would evaluate the receiver twice, for the getter and the setter.
    cx.fail(
      target,
      "AD1004",
      "setters are supported on variables and 'this' only",
      "keep the object in a local variable and set the property on it",
    );
  }
  const getter = classMembers(cx, target.name)?.find(ts.isGetAccessorDeclaration);
  const value = update(() => {
    if (!getter) return cx.unsupported(target);
    return cx.expectType(
      target,
      callMember(cx, target, target.expression, getter, () => [])!,
      "number",
    );
  });
  callMember(cx, target, target.expression, setter, () => [value]);
  return value;
}

/**
 * The member a call runs: the one of the class the receiver was made by when that is known,
 * else the one the receiver's static type declares, which is rejected when a class of the
 * program that extends the member's class overrides it (the receiver may be one).
 */
function resolved(
  cx: LoweringContext,
  site: ts.Node,
  callee: ts.PropertyAccessExpression,
  declarations: ts.Declaration[],
): Member {
  const name = callee.name.text;
  // A library class's typings stand for its JavaScript: each member found there first, so that
  // its typed signature stays known (see libraryReturnType).
  declarations = libraryOverloads(declarations).map((d) =>
    d.getSourceFile().isDeclarationFile ? (libraryMember(cx.checker, d) ?? d) : d,
  );
  const dispatched = dispatchOnRuntimeClass(cx, callee, declarations);
  if (dispatched) return dispatched;
  if (declarations.length !== 1)
    rejectDynamic(cx, site, name, "it is declared in more than one class the receiver may be an instance of");
  const member = declarations[0]!;
  if (member.getSourceFile().isDeclarationFile) {
    cx.fail(
      site,
      "AD1005",
      `'${name}' belongs to '${classOf(member).name?.text ?? "a class"}', which has no source the compiler can read`,
      "use a class declared in the project, or compute the value outside and pass it in",
    );
  }
  if (!ts.isMethodDeclaration(member) && !ts.isGetAccessorDeclaration(member) && !ts.isSetAccessorDeclaration(member)) {
    return cx.unsupported(site);
  }
  if (!member.body)
    rejectDynamic(cx, site, name, "it is abstract: the subclass the receiver is an instance of decides");
  const receiverIsExact =
    isStatic(member) || callee.expression.kind === ts.SyntaxKind.SuperKeyword || isNewInstance(callee.expression);
  const overriding = receiverIsExact ? undefined : overridingSubclass(cx, classOf(member), name);
  if (overriding) {
    rejectDynamic(
      cx,
      site,
      name,
      `the subclass '${overriding.name?.text ?? "(anonymous)"}' overrides it, and the receiver may be one`,
    );
  }
  return member;
}

const isNewInstance = (expression: ts.Expression) => ts.isNewExpression(skipParentheses(expression));

/** The class each instance variable's object was made by, where it is known: a new instance,
 * and `this` in the members it runs (also those of its base classes). */
const runtimeClasses = new WeakMap<ts.Symbol, ts.ClassLikeDeclaration>();

/** The class the object of a receiver was made by, when known. */
function runtimeClassOf(cx: LoweringContext, receiver: ts.Expression): ts.ClassLikeDeclaration | undefined {
  const e = skipParentheses(receiver);
  if (ts.isNewExpression(e)) return classNamed(cx, e.expression);
  const origin = originOf(cx, e);
  if (origin.kind === "this" && cx.thisBinding) return runtimeClasses.get(cx.thisBinding.symbol);
  if (origin.kind !== "variable") return undefined;
  // `const c = new Circle(1)` always holds that instance.
  const declaration = cx.checker.getSymbolAtLocation(origin.identifier)?.valueDeclaration;
  const isConst =
    declaration !== undefined &&
    ts.isVariableDeclaration(declaration) &&
    (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0;
  const initializer = isConst ? declaration.initializer && skipParentheses(declaration.initializer) : undefined;
  return initializer && ts.isNewExpression(initializer) ? classNamed(cx, initializer.expression) : undefined;
}

/**
 * `receiver.name` on an instance of a known class (see runtimeClassOf): the member that class
 * has (its own, or the nearest base class's), as JavaScript dispatches it. Undefined otherwise.
 */
function dispatchOnRuntimeClass(
  cx: LoweringContext,
  callee: ts.PropertyAccessExpression,
  declarations: ts.Declaration[],
): Member | undefined {
  const [declared] = declarations;
  const isSuper = callee.expression.kind === ts.SyntaxKind.SuperKeyword;
  if (isSuper || !declared || isStatic(declared)) return undefined;
  const runtime = runtimeClassOf(cx, callee.expression);
  for (let cls = runtime; cls; cls = baseOf(cx, cls)) {
    const member = cls.members.find(
      (m): m is Member =>
        m.kind === declared.kind && m.name !== undefined && m.name.getText() === callee.name.text && !isStatic(m),
    );
    if (member?.body) return member;
  }
  return undefined;
}

function rejectDynamic(cx: LoweringContext, site: ts.Node, name: string, why: string): never {
  return cx.fail(
    site,
    "AD1004",
    `the compiler cannot tell which '${name}' this call runs: ${why}`,
    "call it on an instance of a known class (`new C(...)`, or a `const` holding one), or type the receiver with a class whose subclasses do not override the method",
  );
}

/** A method called on an interface or a union of classes: the target is known only at run time. */
function rejectDynamicMethod(cx: LoweringContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression) {
  const declarations = cx.checker.getSymbolAtLocation(callee.name)?.declarations ?? [];
  // A function-typed field (`activation: (t: number) => number`) is not a method: the
  // diagnostics of calls through values say what it is.
  const inInterface = declarations.some((d) => ts.isMethodSignature(d));
  if (!inInterface || declarations.every((d) => d.getSourceFile().isDeclarationFile)) return;
  rejectDynamic(
    cx,
    call,
    callee.name.text,
    "the type of the receiver is an interface or a union, which classes with different methods may implement",
  );
}

/** A class of the program extending `cls` (directly or not) that declares its own `name`. */
function overridingSubclass(
  cx: LoweringContext,
  cls: ts.ClassLikeDeclaration,
  name: string,
): ts.ClassLikeDeclaration | undefined {
  for (const file of visibleFiles(cx, cls)) {
    let found: ts.ClassLikeDeclaration | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (ts.isClassLike(node) && node !== cls && extendsClass(cx, node, cls)) {
        if (node.members.some((m) => m.name !== undefined && ts.isIdentifier(m.name) && m.name.text === name))
          found = node;
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    if (found) return found;
  }
  return undefined;
}

/** The files a subclass of `cls` that the function may see is in: the function's, the class's,
 * and the files the function's file imports. */
function visibleFiles(cx: LoweringContext, cls: ts.ClassLikeDeclaration): ts.SourceFile[] {
  const own = cx.fn.node.getSourceFile();
  const files = new Set([own, cls.getSourceFile()]);
  for (const statement of own.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const module = cx.checker.getSymbolAtLocation(statement.moduleSpecifier);
    const file = module?.valueDeclaration;
    if (file && ts.isSourceFile(file) && !file.isDeclarationFile) files.add(file);
  }
  return [...files];
}

function extendsClass(cx: LoweringContext, cls: ts.ClassLikeDeclaration, ancestor: ts.ClassLikeDeclaration): boolean {
  const clause = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
  const base = clause?.types[0]?.expression;
  const symbol = base && aliasTarget(cx, cx.checker.getSymbolAtLocation(base));
  const declaration = symbol && classOfSymbol(cx, symbol);
  return declaration !== undefined && (declaration === ancestor || extendsClass(cx, declaration, ancestor));
}

/**
 * Runs a method or accessor on `receiver` (a static one on nothing) and returns its result.
 * When it changed `this`, the receiver's origin takes the new object (see rebindReceiver).
 */
function callMember(
  cx: LoweringContext,
  site: ts.Node,
  receiver: ts.Expression,
  member: Member,
  lowerArgs: () => Value[],
): Value | undefined {
  if (isStatic(member)) return inlineMember(cx, site, classOf(member), member, lowerArgs(), undefined);
  // JavaScript evaluates the receiver, then the arguments, which may change the receiver's object.
  const receiverValue =
    receiver.kind === ts.SyntaxKind.SuperKeyword ? lowerThis(cx, receiver) : lowerExpression(cx, receiver);
  const args = lowerArgs();
  const instance = currentObject(cx, receiver, receiverValue);
  if (instance.type !== "object") return cx.unsupported(site);
  const self = cx.synthetic("self");
  cx.env.set(self, instance);
  const runtime = runtimeClassOf(cx, receiver);
  if (runtime) runtimeClasses.set(self, runtime);
  const returnsThis = ts.isMethodDeclaration(member) && returnedOrigin(member) === "this";
  if (!returnsThis && hasEarlyReturn(member) && mutatesThis(cx, member, new Set())) {
    // The writes before an early return leave with the returned value only.
    cx.fail(
      site,
      "AD1004",
      `'${member.name.getText()}' writes 'this' and returns early, which is supported only for methods that always return 'this'`,
      "return once at the end of the method, or return 'this'",
    );
  }
  const result = inlineMember(cx, site, classOf(member), member, args, self);
  // A method returning `this` from branches gives the final object as its value.
  const after = returnsThis && result ? result : cx.env.get(self)!;
  cx.env.delete(self);
  if (after !== instance && args.includes(instance)) {
    // In the method, the parameter is `this` too, and would see the writes.
    cx.fail(
      site,
      "AD1004",
      `'${receiver.getText()}' is passed to a method that writes it, as its receiver and as an argument`,
      `pass a copy instead (${receiver.getText()}.clone(), or a new instance)`,
    );
  }
  if (after !== instance) rebindReceiver(cx, site, receiver, after);
  return result;
}

/** The receiver's object once the arguments are evaluated: a variable's (or `this`'s) current
 * one, which an argument may have changed; else the value the receiver expression gave. */
function currentObject(cx: LoweringContext, receiver: ts.Expression, value: Value): Value {
  const origin = originOf(cx, receiver);
  if (origin.kind === "variable") return cx.env.get(cx.symbolOf(origin.identifier)) ?? value;
  if (origin.kind === "this" && cx.thisBinding) return cx.env.get(cx.thisBinding.symbol) ?? value;
  return value;
}

/** What a receiver expression is, for a method that changed it. */
type Origin =
  | { kind: "variable"; identifier: ts.Identifier }
  | { kind: "this"; node: ts.Node }
  | { kind: "new" }
  | { kind: "unknown" };

/**
 * Where the object of `expression` comes from: a local variable, `this`, a new instance, or a
 * chain of calls of methods returning `this` on one of those.
 */
function originOf(cx: LoweringContext, expression: ts.Expression): Origin {
  const e = skipParentheses(expression);
  if (ts.isIdentifier(e)) return { kind: "variable", identifier: e };
  if (e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.SuperKeyword) return { kind: "this", node: e };
  if (ts.isNewExpression(e)) return { kind: "new" };
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const method = classMembers(cx, e.expression.name)?.find(ts.isMethodDeclaration);
    const returned = method && returnedOrigin(method);
    if (returned === "this") return originOf(cx, e.expression.expression);
    if (returned === "new") return { kind: "new" };
  }
  return { kind: "unknown" };
}

/** True for a member with a `return` other than the last statement of its body. */
function hasEarlyReturn(member: FunctionNode): boolean {
  const body = member.body;
  if (!body || !ts.isBlock(body)) return false;
  let early = false;
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node) && node !== body.statements.at(-1)) early = true;
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return early;
}

/** What every `return` of a method returns: always `this`, always a new instance, or else. */
export function returnedOrigin(method: ts.MethodDeclaration): "this" | "new" | "other" {
  const kinds = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node)) {
      const returned = node.expression && skipParentheses(node.expression);
      kinds.add(
        returned?.kind === ts.SyntaxKind.ThisKeyword
          ? "this"
          : returned && ts.isNewExpression(returned)
            ? "new"
            : "other",
      );
    }
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  if (method.body) visit(method.body);
  return kinds.size === 1 ? ([...kinds][0] as "this" | "new" | "other") : "other";
}

/** After a method changed its receiver: the variable, or `this`, the receiver is takes the
 * new object; a new instance needs nothing; any other receiver is rejected. */
export function rebindReceiver(cx: LoweringContext, site: ts.Node, receiver: ts.Expression, object: Value): void {
  const origin = originOf(cx, receiver);
  if (origin.kind === "new") return;
  if (origin.kind === "this") {
    lowerThis(cx, origin.node);
    rejectSharedThis(cx, site);
    cx.env.set(cx.thisBinding!.symbol, object);
    return;
  }
  if (origin.kind === "variable") {
    const symbol = cx.symbolOf(origin.identifier);
    rejectSharedWrite(cx, site, origin.identifier, symbol);
    cx.env.set(symbol, object);
    return;
  }
  cx.fail(
    site,
    "AD1004",
    `this call changes '${receiver.getText()}', and the compiler cannot tell which variable holds that object`,
    "call the method on a local variable holding an instance of its own (const v = new C(...)), or on a new instance",
  );
}

// ----- inlining -----

/**
 * A constructor, method or accessor inlined: parameters bound to `args`, `this` to the object
 * in `self`, `prologue` (field initialisers) run first. For a class without a constructor,
 * `member` is the class itself and only the prologue runs.
 */
function inlineMember(
  cx: LoweringContext,
  site: ts.Node,
  cls: ts.ClassLikeDeclaration,
  member: FunctionNode | ts.ClassLikeDeclaration,
  args: Value[],
  self: ts.Symbol | undefined,
  prologue?: () => void,
): Value | undefined {
  const isFunction = !ts.isClassLike(member);
  if (isFunction) rejectUninlinableMember(cx, site, member, args);
  let returnType: Type = "number";
  if (isFunction) {
    const signature = cx.checker.getSignatureFromDeclaration(member);
    const returned =
      libraryReturnType(cx.checker, member, site) ?? (signature && cx.checker.getReturnTypeOfSignature(signature));
    // A method returning `this` has the type parameter `this`, whose constraint is the class.
    const type = returned?.isTypeParameter() ? cx.checker.getBaseConstraintOfType(returned) : returned;
    returnType = (type && cx.irType(type)) ?? "number";
  }
  const frame = cx.enterBody(member, returnType);
  cx.thisBinding = self ? { symbol: self, container: member, cls } : undefined;
  let outcome: Outcome;
  let writeBackArguments: (() => void) | undefined;
  if (isFunction) {
    cx.inlined.push(member);
    // A parameter given no argument takes its default, computed after the parameters before it.
    for (const [i, p] of member.parameters.entries())
      bindParameter(cx, cx.symbolOf(p.name), args[i] ?? (p.initializer && lowerExpression(cx, p.initializer)));
    const objectArguments = bindObjectArguments(cx, site, member);
    prologue?.();
    const body = member.body!;
    outcome = ts.isBlock(body) ? lowerStatements(cx, body.statements) : lowerExpression(cx, body);
    writeBackArguments = objectArguments.end();
    forgetLocals(cx, member);
    cx.inlined.pop();
  } else {
    prologue?.();
  }
  cx.restoreFrame(frame);
  writeBackArguments?.();
  return typeof outcome === "object" ? outcome : undefined;
}

function rejectUninlinableMember(cx: LoweringContext, site: ts.Node, member: FunctionNode, args: Value[]): void {
  const name = member.name?.getText() ?? "constructor";
  if (cx.inlined.includes(member) || member === cx.fn.node) {
    cx.fail(site, "AD1004", `recursive calls of '${name}' are not supported`, "write the recursion as a loop");
  }
  if (
    member.parameters.length < args.length ||
    member.parameters.some((p) => !ts.isIdentifier(p.name) || p.dotDotDotToken)
  ) {
    cx.fail(
      site,
      "AD1004",
      `'${name}' takes optional, rest or destructured parameters, which are not supported yet`,
      "pass every argument, or give the parameter a default value",
    );
  }
}

// ----- instanceof -----

/**
 * `x instanceof C`, folded from the static type of x: true when it is C or a subclass of C,
 * false when it is a class that is neither C nor one of C's bases (or not an object);
 * rejected when x may or may not be a C (a base class, an interface, a union of both).
 */
export function lowerInstanceof(cx: LoweringContext, expression: ts.BinaryExpression): Value {
  const cls = classNamed(cx, expression.right);
  if (!cls) return cx.unsupported(expression);
  lowerExpression(cx, expression.left);
  const type = cx.checker.getTypeAtLocation(expression.left);
  const answers = new Set((type.isUnion() ? type.types : [type]).map((t) => instanceOfAnswer(cx, t, cls)));
  if (answers.size !== 1 || answers.has(undefined)) {
    cx.fail(
      expression,
      "AD1004",
      `the compiler cannot tell from the type '${cx.checker.typeToString(type)}' whether it is a '${cls.name?.text}'`,
      "give the value a class type, or decide with a field the classes set",
    );
  }
  // A constant: an `if` or `?:` testing it lowers only the branch taken (see constantCondition).
  return cx.boolean([...answers][0]!);
}

/** Types whose values are never instances of a class. */
const primitiveTypes =
  ts.TypeFlags.NumberLike |
  ts.TypeFlags.StringLike |
  ts.TypeFlags.BooleanLike |
  ts.TypeFlags.BigIntLike |
  ts.TypeFlags.Undefined |
  ts.TypeFlags.Null |
  ts.TypeFlags.Void;

function instanceOfAnswer(cx: LoweringContext, type: ts.Type, cls: ts.ClassLikeDeclaration): boolean | undefined {
  // `this` in a method is a type parameter constrained by the class.
  const constraint = type.isTypeParameter() ? cx.checker.getBaseConstraintOfType(type) : undefined;
  if (constraint && constraint !== type) return instanceOfAnswer(cx, constraint, cls);
  if (type.flags & primitiveTypes) return false;
  if (!(type.flags & ts.TypeFlags.Object)) return undefined;
  const symbol = type.getSymbol();
  const declaration = symbol && classOfSymbol(cx, symbol);
  if (!declaration) return undefined;
  if (declaration === cls || extendsClass(cx, declaration, cls)) return true;
  return extendsClass(cx, cls, declaration) ? undefined : false;
}

// ----- differentiable methods -----

/**
 * For a `@differentiable` method: the instance, as the gradient's first parameter `self`, one
 * IR parameter per leaf as for an object parameter (`self.x` is `selfX`); `this` is bound to
 * it. Nothing for functions and static methods.
 */
export function selfParams(cx: LoweringContext, wrt: string[] | undefined): Param[] {
  const node = cx.fn.node;
  if (!cx.fn.method || cx.fn.method.isStatic || !ts.isMethodDeclaration(node)) return [];
  const name = "self";
  const clash = node.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === name);
  if (clash) {
    cx.fail(
      clash,
      "AD1009",
      `the gradient of a method takes the instance as '${name}', which is also the name of a parameter`,
      "rename the parameter",
    );
  }
  const cls = classOf(node);
  const type = cx.checker.getTypeAtLocation(cls);
  rejectPrivateFields(cx, node.name, type, `the instance of '${cx.fn.name}'`);
  const fields = new Map<string, Value>();
  const differentiated = wrt === undefined || wrt.includes(name);
  const params = leafParams(cx, name, cx.types.leaves(type), fields, differentiated);
  const self = cx.synthetic(name);
  cx.env.set(self, makeObject(cx, fields));
  cx.thisBinding = { symbol: self, container: node, cls };
  return params;
}

// ----- questions other constructs ask -----

/** Rejects a parameter or result of a class with `#private` fields: generated code, outside
 * the class, cannot read or write them. */
export function rejectPrivateFields(cx: LoweringContext, node: ts.Node, type: ts.Type, what: string): void {
  const hidden = cx.types.leaves(type).find((leaf) => leaf.path.includes("#"));
  if (!hidden) return;
  cx.fail(
    node,
    "AD1009",
    `${what} has the private field '${hidden.path}', which the generated gradient, outside the class, cannot read`,
    "make the field `private` (TypeScript's) instead of `#private`, or pass the numbers the function needs",
  );
}

/** True for an expression that is always an object no other name holds: an object literal, a
 * new instance, or a chain on one of methods returning `this` or new instances. */
export function isNewObject(cx: LoweringContext, expression: ts.Expression): boolean {
  const e = skipParentheses(expression);
  return ts.isObjectLiteralExpression(e) || originOf(cx, e).kind === "new";
}

/**
 * For `receiver.method` called as `receiver.method(...)`: the call, when the method may return
 * its receiver (which the call's value then names too); undefined otherwise.
 */
export function callReturningReceiver(
  cx: LoweringContext,
  access: ts.PropertyAccessExpression,
): ts.CallExpression | undefined {
  const call = access.parent;
  if (!ts.isCallExpression(call) || call.expression !== access) return undefined;
  const method = classMembers(cx, access.name)?.find(ts.isMethodDeclaration);
  if (!method || isStatic(method) || returnedOrigin(method) === "new") return undefined;
  const implementation = calledMethod(cx, access);
  if (implementation && !mayReturnReceiver(cx, implementation)) return undefined;
  return cx.irType(cx.checker.getTypeAtLocation(call)) === "object" ? call : undefined;
}

/**
 * For a loop's carried variables: the variable (or `this`) a node changes through a class
 * member, `v` for `v.normalize()` or `v.add(w).scale(2)` of methods writing `this`, and `this`
 * for `this.x = ...`; undefined for other nodes.
 */
export function changedReceiver(cx: LoweringContext, node: ts.Node): ts.Expression | undefined {
  const access = ts.isCallExpression(node) ? skipParentheses(node.expression) : node;
  if (!ts.isPropertyAccessExpression(access)) return undefined;
  const member = classMembers(cx, access.name)?.find(
    (d): d is Member => ts.isMethodDeclaration(d) || ts.isGetAccessorDeclaration(d),
  );
  if (!member || isStatic(member) || !mutatesThis(cx, member, new Set())) return undefined;
  const origin = originOf(cx, access.expression);
  return origin.kind === "variable"
    ? origin.identifier
    : origin.kind === "this"
      ? (origin.node as ts.Expression)
      : undefined;
}

/**
 * For an object passed to a class method: whether the call may give it another name, by
 * returning it or storing it (`this.target = v`). False for a method returning `this` or a new
 * instance that only reads the parameter; undefined when the callee is no class method.
 */
export function methodKeepsArgument(
  cx: LoweringContext,
  call: ts.CallExpression,
  argument: ts.Node,
): boolean | undefined {
  const callee = skipParentheses(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = calledMethod(cx, callee);
  if (!method) return undefined;
  const position = call.arguments.indexOf(argument as ts.Expression);
  const p = method.parameters[position];
  const returned = returnsArgument(cx, method, position);
  if (returned === "other" || !p || !ts.isIdentifier(p.name) || methodsAsked.has(method)) return true;
  if (returned === "returned" && mayAlias(cx, call)) return true;
  const symbol = cx.checker.getSymbolAtLocation(p.name);
  methodsAsked.add(method);
  let keeps = false;
  const visit = (node: ts.Node): void => {
    if (keeps) return;
    // Assigning the parameter (`target = new Vec3()`) hands nothing on.
    const reassigned = assignmentTarget(node.parent) === node;
    if (ts.isIdentifier(node) && node !== p.name && !reassigned && cx.checker.getSymbolAtLocation(node) === symbol)
      keeps = mayAlias(cx, node);
    ts.forEachChild(node, visit);
  };
  try {
    visit(method.body);
  } finally {
    methodsAsked.delete(method);
  }
  return keeps;
}

/** The methods methodKeepsArgument is asking about: one calling itself may keep anything. */
const methodsAsked = new Set<ts.Node>();

/** The variable holding `this` when `target` is `this` in the member being inlined. */
export function thisVariable(cx: LoweringContext, target: ts.Expression): ts.Symbol | undefined {
  const isThis = target.kind === ts.SyntaxKind.ThisKeyword || target.kind === ts.SyntaxKind.SuperKeyword;
  return isThis ? cx.thisBinding?.symbol : undefined;
}

/** True when a member may write its instance: it assigns a field of `this`, or calls a member
 * on `this` that may (conservatively true for a call it cannot resolve). */
function mutatesThis(cx: LoweringContext, member: Member, seen: Set<ts.Node>): boolean {
  if (seen.has(member)) return false;
  seen.add(member);
  let mutates = false;
  const visit = (node: ts.Node): void => {
    if (mutates) return;
    let target = assignmentTarget(node);
    while (target && ts.isPropertyAccessExpression(target)) target = target.expression;
    if (target && (target.kind === ts.SyntaxKind.ThisKeyword || target.kind === ts.SyntaxKind.SuperKeyword))
      mutates = true;
    const access = ts.isCallExpression(node) ? skipParentheses(node.expression) : node;
    if (ts.isPropertyAccessExpression(access) && originOf(cx, access.expression).kind === "this") {
      const called = classMembers(cx, access.name)?.find(
        (d): d is Member => ts.isMethodDeclaration(d) || ts.isGetAccessorDeclaration(d),
      );
      if (ts.isCallExpression(node) && !called) mutates = true;
      else if (called && mutatesThis(cx, called, seen)) mutates = true;
    }
    if (!ts.isFunctionLike(node) || ts.isArrowFunction(node)) ts.forEachChild(node, visit);
  };
  if (member.body) ts.forEachChild(member.body, visit);
  return mutates;
}
