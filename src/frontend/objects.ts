/**
 * Objects: an object value is its leaves (numbers, booleans, strings and arrays) by dotted
 * path, and the IR's `object` op only names them (see src/ir/types.ts). Object parameters,
 * literals, field reads and writes, and destructuring.
 */
import { loweringHints } from "../backend/naming.js";
import { ts } from "ts-morph";
import type { FunctionNode } from "./annotations.js";
import type { Param, Value } from "../ir/types.js";
import { lowerArrayDestructuring } from "./arrays.js";
import { helperOf } from "./calls.js";
import {
  callReturningReceiver,
  isNewObject,
  methodKeepsArgument,
  rejectPrivateFields,
  writeThisField,
} from "./classes.js";
import type { LoweringContext } from "./context.js";
import { lowerExpression, lowerIdentifier } from "./expressions.js";
import { rejectElementFieldWrite } from "./object-arrays.js";
import { locate } from "./program.js";
import { skipParentheses } from "./syntax.js";
import { explainType } from "./unsupported-constructs.js";
import type { Leaf, TypeClassifier } from "./types.js";
import { wasOmitted } from "./omitted-parameters.js";
import { bindMissingField, keepClosed, lacksField } from "./undefined-values.js";
import { isNewObjectCall } from "./fresh-objects.js";
import { helperHandsOn, isWritableParameter } from "./object-arguments.js";
import { isSpecialisedState } from "./package-recursion.js";
import { equalities } from "./guards.js";

/** A new object value from its leaves (see src/ir/types.ts). */
export function makeObject(cx: LoweringContext, fields: Map<string, Value>): Value {
  const object = cx.builder.emit("object", [...fields.values()], "object", { fields: [...fields.keys()] });
  cx.objectFields.set(object, fields);
  return object;
}

export function fieldsOf(cx: LoweringContext, object: Value): Map<string, Value> {
  const fields = cx.objectFields.get(object);
  if (!fields) throw new Error("an object value was not built by makeObject");
  return fields;
}

/** `object.name`: a leaf, or the object of the leaves under `name.`. */
export function field(cx: LoweringContext, object: Value, name: string, node: ts.Node): Value {
  const fields = fieldsOf(cx, object);
  const leaf = fields.get(name);
  if (leaf) return leaf;
  const prefix = `${name}.`;
  const inner = [...fields]
    .filter(([path]) => path.startsWith(prefix))
    .map(([path, value]) => [path.slice(prefix.length), value] as const);
  if (inner.length > 0) return makeObject(cx, new Map(inner));
  const property = cx.checker.getSymbolAtLocation(node);
  if (property && property.flags & ts.SymbolFlags.Optional) {
    return cx.fail(
      node,
      "AD1009",
      `the field '${name}' is optional, and whether this object has it is known only when the code runs`,
      "make the field required, or build the object with an object literal in the differentiable function (see the README on optional fields)",
    );
  }
  const type = cx.checker.getTypeAtLocation(node);
  const { why, hint } = explainType(cx.checker, type);
  return cx.fail(node, "AD1009", `the field '${name}' has type '${cx.checker.typeToString(type)}', which ${why}`, hint);
}

/**
 * One IR parameter per leaf of an object (a parameter, or a method's instance), named after the
 * object and the path (`p.x` is `pX`), each value recorded in `fields`; its number and array
 * leaves are differentiated when `differentiated` is true.
 */
export function leafParams(
  cx: LoweringContext,
  name: string,
  leaves: readonly Leaf[],
  fields: Map<string, Value>,
  differentiated: boolean,
): Param[] {
  return leaves.map((leaf): Param => {
    const value = cx.values.value(leaf.type, loweringHints.leaf(name, leaf.path));
    fields.set(leaf.path, value);
    if (leaf.type === "array") cx.parameterArrays.add(value);
    const differentiable = (leaf.type === "number" && !leaf.integer) || leaf.type === "array";
    return {
      value,
      typeText: leaf.typeText,
      differentiated: differentiated && differentiable,
      field: { param: name, path: leaf.path },
      ...(leaf.integer ? { integer: true } : {}),
      ...(leaf.arrayKind ? { arrayKind: leaf.arrayKind } : {}),
      ...(leaf.rowKind ? { rowKind: leaf.rowKind } : {}),
      ...(leaf.elementFields ? { elementFields: leaf.elementFields } : {}),
    };
  });
}

/**
 * An object parameter: one IR parameter per leaf, named after the parameter and the path
 * (`p.x` is `pX`). Its number and array leaves are differentiated when the parameter is
 * (`wrtNamed` says whether wrt names it; without wrt, every object parameter is).
 */
export function objectParam(
  cx: LoweringContext,
  p: ts.ParameterDeclaration,
  name: string,
  type: ts.Type,
  wrtNamed: boolean | undefined,
): Param[] {
  rejectPrivateFields(cx, p, type, `parameter '${name}'`);
  const fields = new Map<string, Value>();
  const leaves = cx.types.leaves(type);
  if (leaves.length === 0) {
    // The parameter would vanish from the generated signature, shifting the arguments after it.
    cx.rejectType(p, `parameter '${name}'`);
  }
  const params = leafParams(cx, name, leaves, fields, wrtNamed !== false);
  if (wrtNamed === true && !params.some((param) => param.differentiated)) {
    cx.fail(
      p,
      "AD1010",
      `cannot differentiate with respect to '${name}': it has no number or array field`,
      "name parameters with number fields in wrt",
    );
  }
  // A destructured parameter's names are bound by its pattern (see lower.ts).
  if (ts.isIdentifier(p.name)) cx.env.set(cx.symbolOf(p.name), makeObject(cx, fields));
  return params;
}

/** `{ x: a, y, ...p }`: nested objects become leaves at dotted paths. */
export function lowerObjectLiteral(cx: LoweringContext, literal: ts.ObjectLiteralExpression): Value {
  const fields = new Map<string, Value>();
  const removeField = (name: string) => {
    for (const path of [...fields.keys()]) if (path === name || path.startsWith(`${name}.`)) fields.delete(path);
  };
  const setField = (name: string, value: Value) => {
    removeField(name);
    if (value.type !== "object") fields.set(name, value);
    else for (const [path, leaf] of fieldsOf(cx, value)) fields.set(`${name}.${path}`, leaf);
  };
  const spreads: Value[] = [];
  for (const property of literal.properties) {
    if (ts.isSpreadAssignment(property)) {
      const spread = lowerExpression(cx, property.expression);
      if (spread.type !== "object") cx.unsupported(property);
      spreads.push(spread);
      for (const [path, leaf] of fieldsOf(cx, spread)) fields.set(path, leaf);
    } else if (ts.isShorthandPropertyAssignment(property)) {
      const symbol = cx.checker.getShorthandAssignmentValueSymbol(property);
      const value = symbol && cx.env.get(symbol);
      setField(property.name.text, value ?? lowerIdentifier(cx, property.name));
    } else if (
      ts.isPropertyAssignment(property) &&
      (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
    ) {
      // `{ scale: undefined }`: the object has no value for the field (see defaults.ts).
      if (isUndefined(cx, property.initializer)) removeField(property.name.text);
      else setField(property.name.text, lowerExpression(cx, property.initializer));
    } else {
      cx.unsupported(property);
    }
  }
  const object = makeObject(cx, fields);
  if (spreads.length === 0) cx.literalObjects.add(object);
  else keepClosed(cx, spreads, object);
  return object;
}

/** The global `undefined`, not a variable of that name. */
function isUndefined(cx: LoweringContext, expression: ts.Expression): boolean {
  const node = skipParentheses(expression);
  if (!ts.isIdentifier(node) || node.text !== "undefined") return false;
  const declarations = cx.checker.getSymbolAtLocation(node)?.declarations ?? [];
  return declarations.every((d) => d.getSourceFile().isDeclarationFile);
}

/** `const { x, y: b, pos: { z } } = p`. */
function lowerObjectDestructuring(cx: LoweringContext, pattern: ts.ObjectBindingPattern, object: Value): void {
  if (object.type !== "object") cx.unsupported(pattern);
  for (const element of pattern.elements) {
    const key = element.propertyName ?? element.name;
    if (element.dotDotDotToken || !(ts.isIdentifier(key) || ts.isStringLiteral(key))) cx.unsupported(element);
    if (element.initializer) {
      bindFieldOrDefault(cx, element, key.text, object);
      continue;
    }
    if (bindMissingField(cx, object, key.text, element.name)) continue;
    bindPattern(cx, element.name, field(cx, object, key.text, element));
  }
}

/**
 * `{ k = 2 }` of an object: its field when the object has it (the compiler's values are never
 * undefined), the default when it is an object whose every field is known and `k` is not one of
 * them (`energy({ x })`); a diagnostic when only the running code knows.
 */
function bindFieldOrDefault(cx: LoweringContext, element: ts.BindingElement, name: string, object: Value): void {
  const present = [...fieldsOf(cx, object).keys()].some((path) => path === name || path.startsWith(`${name}.`));
  if (present) return bindPattern(cx, element.name, field(cx, object, name, element));
  if (lacksField(cx, object, name)) return bindPattern(cx, element.name, lowerExpression(cx, element.initializer!));
  cx.fail(
    element,
    "AD1004",
    `the default of '${element.getText()}' applies when the field is missing, which only the running code knows here`,
    "pass an object literal (whose fields the compiler knows), or pass every field",
  );
}

/** Binds a declared name, or each name of an object or array destructuring pattern. */
export function bindPattern(cx: LoweringContext, name: ts.BindingName, value: Value): void {
  if (ts.isIdentifier(name)) cx.bind(cx.symbolOf(name), value);
  else if (ts.isObjectBindingPattern(name)) lowerObjectDestructuring(cx, name, value);
  else lowerArrayDestructuring(cx, name, value);
}

/**
 * `v.x = e`, `v.pos.y += e`, `v.x++`: the variable is bound to a new object with the leaf
 * replaced. Objects are references in JavaScript, so this is only right when no other
 * variable, array or call sees the same object: see rejectSharedWrite.
 */
export function writeField(
  cx: LoweringContext,
  target: ts.PropertyAccessExpression,
  update: (old: () => Value) => Value,
): Value {
  const written = writeThisField(cx, target, update);
  if (written) return written;
  const path: string[] = [];
  let root: ts.Expression = target;
  while (ts.isPropertyAccessExpression(root)) {
    path.unshift(root.name.text);
    root = root.expression;
  }
  if (ts.isElementAccessExpression(root)) rejectElementFieldWrite(cx, target, root);
  if (!ts.isIdentifier(root)) {
    return cx.fail(
      target,
      "AD1004",
      "only fields of local object variables can be assigned",
      "build the object in a local variable",
    );
  }
  if (path.length > 1) {
    // `v.inner` may be another variable's object too (`{ inner: c }`): its fields stay as they are.
    const inner = path.slice(0, -1).join(".");
    cx.fail(
      target,
      "AD1004",
      `writing a field of the nested object '${root.text}.${inner}' is not supported: that object may be shared`,
      `give it a new object instead: ${root.text}.${inner} = { ...${root.text}.${inner}, ${path[path.length - 1]}: ... }`,
    );
  }
  const symbol = cx.symbolOf(root);
  if (!isSpecialisedState(cx, symbol)) rejectSharedWrite(cx, target, root, symbol);
  const object = lowerIdentifier(cx, root);
  if (object.type !== "object") return cx.unsupported(target);
  const key = path.join(".");
  const value = update(() => cx.expectType(target, field(cx, object, key, target), "number"));
  // The right side may write other fields of the same object (`res.a = res.b = 0`).
  const current = cx.env.get(symbol) ?? object;
  if (current !== object) rejectReassignedInWrite(cx, target, root, symbol);
  const fields = new Map(fieldsOf(cx, current));
  for (const existing of [...fields.keys()])
    if (existing === key || existing.startsWith(`${key}.`)) fields.delete(existing);
  if (value.type === "object") for (const [inner, leaf] of fieldsOf(cx, value)) fields.set(`${key}.${inner}`, leaf);
  else fields.set(key, value);
  const updated = makeObject(cx, fields);
  keepClosed(cx, [current], updated);
  cx.env.set(symbol, updated);
  return value;
}

/** Rejects `v.x = (v = other, e)`: JavaScript writes into the object `v` held before the right
 * side, which no variable holds any more. */
function rejectReassignedInWrite(cx: LoweringContext, target: ts.Node, root: ts.Identifier, symbol: ts.Symbol): void {
  let reassigned = false;
  const visit = (node: ts.Node): void => {
    const assigned = ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken;
    if (assigned && ts.isIdentifier(node.left) && cx.checker.getSymbolAtLocation(node.left) === symbol)
      reassigned = true;
    ts.forEachChild(node, visit);
  };
  visit(target.parent);
  if (!reassigned) return;
  cx.fail(
    target,
    "AD1004",
    `'${root.text}' is assigned while a field of its object is being written: the write goes to the object it held before`,
    `assign '${root.text}' in a statement of its own`,
  );
}

/**
 * Writing a field is allowed on a local variable that always holds an object literal of its
 * own and is used only through its fields (or returned): then no other name sees the write.
 */
export function rejectSharedWrite(cx: LoweringContext, target: ts.Node, root: ts.Identifier, symbol: ts.Symbol): void {
  const declaration = symbol.valueDeclaration;
  const owner = cx.owner();
  // A parameter left out (`if (!out) out = {}`), or given a new object by its default, holds the
  // function's own object; one holding the caller's object writes into it (object-arguments.ts).
  const ownParameter =
    declaration !== undefined &&
    ts.isParameter(declaration) &&
    (wasOmitted(cx, symbol) || cx.undefinedParameters.has(symbol) || isWritableParameter(cx, symbol));
  if (declaration && ts.isParameter(declaration) && !ownParameter) {
    cx.fail(
      target,
      "AD1004",
      `'${root.text}' is a parameter: writing into its fields would change the object the caller passed`,
      `build a new object instead, as in const moved = { ...${root.text}, x: 1 }`,
    );
  }
  if (!declaration || !(ts.isVariableDeclaration(declaration) || ownParameter)) {
    // A name bound by destructuring (`const { inner } = v`) holds an object another one holds too.
    cx.fail(
      target,
      "AD1004",
      `'${root.text}' is taken out of another object, which holds the same object: writing into its fields is not supported`,
      `build a new object instead, as in const moved = { ...${root.text}, x: 1 }`,
    );
  }
  if (
    declaration.getSourceFile() !== owner.getSourceFile() ||
    declaration.getStart() < owner.getStart() ||
    declaration.getEnd() > owner.getEnd()
  ) {
    cx.fail(
      target,
      "AD1004",
      `'${root.text}' is not a local of '${cx.fn.name}': writing into its fields would change state outside the function`,
      "keep the object in a local variable, or return the value instead",
    );
  }
  const shared = sharingUse(cx, declaration, symbol, owner);
  if (shared) {
    const { line } = locate(cx.sourceFile, shared.getStart(cx.sourceFile));
    cx.fail(
      target,
      "AD1004",
      `'${root.text}' may share its object with another variable or a call (line ${line}): writing into its fields is not supported`,
      `build a new object instead, as in ${root.text} = { ...${root.text}, x: 1 }, or give '${root.text}' its own object literal`,
    );
  }
}

/**
 * The first place where the local object variable `symbol` may get an object another name
 * holds, or give its object another name: an initializer or assignment that is not an object
 * literal, or a use that may alias (see mayAlias). Undefined when there is none.
 */
function sharingUse(
  cx: LoweringContext,
  declaration: ts.VariableDeclaration | ts.ParameterDeclaration,
  symbol: ts.Symbol,
  owner: FunctionNode,
): ts.Node | undefined {
  let shared: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (shared) return;
    if (ts.isIdentifier(node) && node !== declaration.name && cx.checker.getSymbolAtLocation(node) === symbol) {
      const parent = node.parent;
      const assigned =
        ts.isBinaryExpression(parent) &&
        parent.left === node &&
        parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
      if (assigned ? !isNewObject(cx, parent.right) && !isNewObjectCall(cx, parent.right) : mayAlias(cx, node))
        shared = node;
    }
    ts.forEachChild(node, visit);
  };
  const initializer = declaration.initializer;
  if (initializer && !isNewObject(cx, initializer) && !isNewObjectCall(cx, initializer)) shared = initializer;
  // `for (const p of ps)`: p is an element of the array, which holds it too.
  if (ts.isForOfStatement(declaration.parent.parent)) shared = declaration.parent.parent.expression;
  visit(owner);
  return shared;
}

/**
 * True when this use of an object variable may give the same object another name: stored in a
 * variable, an object or an array, or passed to a helper that may return it. Reading fields,
 * spreading, returning it and passing it to functions returning something else do not.
 */
export function mayAlias(cx: LoweringContext, use: ts.Expression): boolean {
  let node: ts.Node = use;
  while (
    ts.isParenthesizedExpression(node.parent) ||
    ts.isAsExpression(node.parent) ||
    ts.isNonNullExpression(node.parent) ||
    ts.isConditionalExpression(node.parent)
  ) {
    if (ts.isConditionalExpression(node.parent) && node.parent.condition === node) return false;
    node = node.parent;
  }
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent)) {
    // A method returning its receiver (`v.add(w)`) gives the call's value the same object.
    const call = callReturningReceiver(cx, parent);
    return call !== undefined && mayAlias(cx, call);
  }
  if (
    ts.isElementAccessExpression(parent) ||
    ts.isExpressionStatement(parent) ||
    // Operands only tested: `v instanceof C`, `target === void 0`.
    (ts.isBinaryExpression(parent) &&
      (parent.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword || equalities.has(parent.operatorToken.kind))) ||
    (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) ||
    ts.isSpreadAssignment(parent) ||
    ts.isReturnStatement(parent)
  ) {
    return false;
  }
  if (ts.isCallExpression(parent) && parent.expression !== node) {
    const callee = parent.expression;
    // `ps.push(p)`: the array holds the object too.
    const pushedToArray =
      ts.isPropertyAccessExpression(callee) &&
      callee.name.text === "push" &&
      mayBe(cx, cx.checker.getTypeAtLocation(callee.expression), "array");
    if (pushedToArray) return true;
    // A method may keep its argument in its instance (`this.target = v`), whatever it returns.
    const kept = methodKeepsArgument(cx, parent, node);
    if (kept !== undefined) return kept;
    // A helper's result is the only way it can hand on an object it is given.
    if (!mayBe(cx, cx.checker.getTypeAtLocation(parent), "object")) return false;
    const helper = helperOf(cx.checker, parent.expression);
    if (helper === undefined) return true;
    return !returnsOnlyNewObjects(cx.checker, cx.types, helper) && helperHandsOn(cx, parent, node, helper);
  }
  return true;
}

/** Whether a value of `type` may be an array or an object: untyped JavaScript's `any` may be
 * either. */
function mayBe(cx: LoweringContext, type: ts.Type, kind: "array" | "object"): boolean {
  return (type.flags & ts.TypeFlags.Any) !== 0 || cx.irType(type) === kind;
}

/**
 * A helper whose every `return` (or expression body) is a new object: an object literal whose
 * fields hold no object the helper was given (`{ inner: v }` would share `v`).
 */
function returnsOnlyNewObjects(checker: ts.TypeChecker, types: TypeClassifier, helper: FunctionNode): boolean {
  // Arrays are references in the compiler too: sharing one is fine.
  const isObjectValued = (node: ts.Node) => types.isObject(checker.getTypeAtLocation(node));
  const isNew = (expression: ts.Expression): boolean => {
    const literal = skipParentheses(expression);
    if (!ts.isObjectLiteralExpression(literal)) return false;
    return literal.properties.every((property) => {
      if (ts.isPropertyAssignment(property))
        return !isObjectValued(property.initializer) || isNew(property.initializer);
      if (ts.isShorthandPropertyAssignment(property)) return !isObjectValued(property.name);
      // A spread copies the fields, but an object field would be shared.
      if (ts.isSpreadAssignment(property)) {
        return checker
          .getTypeAtLocation(property.expression)
          .getProperties()
          .every((field) => {
            const declaration = field.valueDeclaration;
            return !declaration || !types.isObject(checker.getTypeOfSymbolAtLocation(field, declaration));
          });
      }
      return false;
    });
  };
  const body = helper.body!;
  if (!ts.isBlock(body)) return isNew(body);
  let only = true;
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node)) only &&= node.expression !== undefined && isNew(node.expression);
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  visit(body);
  return only;
}
