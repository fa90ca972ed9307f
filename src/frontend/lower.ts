/**
 * Lowers one `@differentiable` function from the TypeScript AST to IR.
 *
 * Accepts: parameters and locals of type number (including `int`), boolean and string; numeric
 * array parameters (`number[]`, `readonly number[]`, `Float64Array`, `Float32Array`), read by
 * index and `.length`; `const`, `let`, assignment and compound assignment, `++`/`--`;
 * arithmetic, comparisons, `&&`, `||`, `!`, ternaries; `Math` functions and constants;
 * `if`/`else` to any depth; `return` anywhere outside loops; counted `for` loops and `for...of`
 * over arrays; calls to global functions (`console.log`, ...) and string conversions, which the
 * compiler does not differentiate. Anything else is a diagnostic naming the construct.
 *
 * Guarantees: the IR holds only primitives of the rule table, `const`/`bool`/`string`/`undef`,
 * `if`, `for`, `array.get`, `array.length`, `call` and `template`. Compound assignment, `++`,
 * ternaries and early returns are gone:
 * - a counted loop is a `for` op whose region takes the counter and the variables the body
 *   assigns, and yields their values for the next iteration;
 * - every variable is renamed into SSA values (one per assignment); an `if` statement yields
 *   the variables it assigns, which become the results of its `if` op;
 * - a ternary is an `if` op with one result;
 * - `&&` / `||` are strict `and` / `or` ops when their right side is pure, `if` ops otherwise;
 * - an `if` statement containing a `return` takes the statements after it into its branches
 *   (they are lowered once per branch that can reach them), so the function body ends in one
 *   value: the function's region yields the returned value.
 */
import { ts } from "ts-morph";
import { type DiagnosticCode, DiagnosticError } from "../diagnostics.js";
import { Builder, emptyRegion, ValueFactory } from "../ir/builder.js";
import type { ArrayKind, IRFunction, Param, Region, SourceLocation, Type, Value } from "../ir/types.js";
import { mathConstants, primitive } from "../rules/primitives.js";
import { type DifferentiableFunction, findDifferentiableFunctions, type FunctionNode } from "./annotations.js";
import { locate } from "./program.js";
import { TypeClassifier } from "./types.js";
import {
  type DerivativeRule,
  type ExternalReference,
  hasCotangent,
  referenceTo,
  resolvedSymbol,
} from "./derivatives.js";

/** What the reverse sweep calls for a call kept as a call (see derivativeOf). */
interface CallDerivative {
  name: string;
  /** "vjp": a rule taking the arguments and the cotangent; "grad": a gradient function. */
  kind: "vjp" | "grad";
  declaration: ts.FunctionLikeDeclaration;
  rule?: ts.FunctionDeclaration;
  /** For a gradient: the parameters it differentiates (all of them when undefined). */
  wrt?: DifferentiableFunction["wrt"];
}

/** True when the function's body calls the function `symbol` names. */
function callsItself(checker: ts.TypeChecker, node: FunctionNode, symbol: ts.Symbol): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(child) && ts.isIdentifier(child.expression)) {
      const called = checker.getSymbolAtLocation(child.expression);
      if (called && resolvedSymbol(checker, called) === symbol) found = true;
    }
    ts.forEachChild(child, visit);
  };
  if (node.body) visit(node.body);
  return found;
}

/** A variable, or one leaf of an object variable: what branches and loops carry. */
interface Slot {
  symbol: ts.Symbol;
  path?: string;
}

/** The name of an object's leaf as a variable: `p.pos.x` is `pPosX`. */
function leafName(root: string, path: string): string {
  return (
    root +
    path
      .split(".")
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join("")
  );
}

function slotName(slot: Slot): string {
  return slot.path === undefined ? slot.symbol.name : leafName(slot.symbol.name, slot.path);
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

function skipParentheses(node: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(node) ? skipParentheses(node.expression) : node;
}

/** What lowering statements leads to: a returned value, leaving the loop iteration, or falling through. */
type Outcome = Value | "exits" | undefined;

interface LoopContext {
  node: ts.IterationStatement;
  label?: string;
  /** The flag `break` sets. */
  broken?: ts.Symbol;
  /** Lowers the update of a `for` loop, which ends every iteration and `continue`. */
  update?: () => void;
}

function isLoopStatement(node: ts.Node): node is ts.IterationStatement {
  return ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

const arithmeticOperators: ReadonlyMap<ts.SyntaxKind, string> = new Map([
  [ts.SyntaxKind.PlusToken, "add"],
  [ts.SyntaxKind.MinusToken, "sub"],
  [ts.SyntaxKind.AsteriskToken, "mul"],
  [ts.SyntaxKind.SlashToken, "div"],
  [ts.SyntaxKind.PercentToken, "mod"],
  [ts.SyntaxKind.AsteriskAsteriskToken, "pow"],
]);

const compoundAssignments: ReadonlyMap<ts.SyntaxKind, string> = new Map([
  [ts.SyntaxKind.PlusEqualsToken, "add"],
  [ts.SyntaxKind.MinusEqualsToken, "sub"],
  [ts.SyntaxKind.AsteriskEqualsToken, "mul"],
  [ts.SyntaxKind.SlashEqualsToken, "div"],
  [ts.SyntaxKind.PercentEqualsToken, "mod"],
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken, "pow"],
]);

const comparisons: ReadonlyMap<ts.SyntaxKind, string> = new Map([
  [ts.SyntaxKind.LessThanToken, "lt"],
  [ts.SyntaxKind.LessThanEqualsToken, "le"],
  [ts.SyntaxKind.GreaterThanToken, "gt"],
  [ts.SyntaxKind.GreaterThanEqualsToken, "ge"],
  [ts.SyntaxKind.EqualsEqualsEqualsToken, "eq"],
  [ts.SyntaxKind.EqualsEqualsToken, "eq"],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, "ne"],
  [ts.SyntaxKind.ExclamationEqualsToken, "ne"],
]);

/** Array methods that change the array they are called on. */
const mutatingMethods = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "fill",
  "sort",
  "reverse",
  "copyWithin",
  "set",
]);

/** Number methods that turn a number into a string. */
const stringifyingMethods = new Set(["toFixed", "toString", "toPrecision", "toExponential", "toLocaleString"]);

/** Names for constructs the diagnostics mention, where TypeScript's kind name reads badly. */
const constructNames: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.ForStatement]: "'for' loops",
  [ts.SyntaxKind.ForOfStatement]: "'for...of' loops",
  [ts.SyntaxKind.ForInStatement]: "'for...in' loops",
  [ts.SyntaxKind.WhileStatement]: "'while' loops",
  [ts.SyntaxKind.DoStatement]: "'do...while' loops",
  [ts.SyntaxKind.SwitchStatement]: "'switch' statements",
  [ts.SyntaxKind.TryStatement]: "'try' statements",
  [ts.SyntaxKind.ThrowStatement]: "'throw' statements",
  [ts.SyntaxKind.FunctionDeclaration]: "nested function declarations",
  [ts.SyntaxKind.ClassDeclaration]: "class declarations",
  [ts.SyntaxKind.ElementAccessExpression]: "array element accesses",
  [ts.SyntaxKind.ArrayLiteralExpression]: "array literals",
  [ts.SyntaxKind.ObjectLiteralExpression]: "object literals",
  [ts.SyntaxKind.PropertyAccessExpression]: "property accesses",
  [ts.SyntaxKind.ArrowFunction]: "nested arrow functions",
  [ts.SyntaxKind.FunctionExpression]: "nested function expressions",
  [ts.SyntaxKind.NewExpression]: "'new' expressions",
  [ts.SyntaxKind.TypeOfExpression]: "'typeof' expressions",
  [ts.SyntaxKind.DebuggerStatement]: "'debugger' statements",
};

function constructName(kind: ts.SyntaxKind): string {
  const known = constructNames[kind];
  if (known) return known;
  const words = (ts.SyntaxKind[kind] ?? "construct").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return `${words}s`;
}

function containsReturn(node: ts.Node): boolean {
  if (ts.isReturnStatement(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return ts.forEachChild(node, (child) => (containsReturn(child) ? true : undefined)) ?? false;
}

/** The statement as one line, for comments in generated code. */
function statementSummary(node: ts.Node, sourceFile: ts.SourceFile): string {
  const header = (...parts: (ts.Node | undefined)[]) => parts.map((part) => part?.getText(sourceFile) ?? "");
  const text = ts.isIfStatement(node)
    ? `if (${node.expression.getText(sourceFile)})`
    : ts.isForStatement(node)
      ? `for (${header(node.initializer, node.condition, node.incrementor).join("; ")})`
      : ts.isForOfStatement(node)
        ? `for (${header(node.initializer, node.expression).join(" of ")})`
        : ts.isWhileStatement(node)
          ? `while (${node.expression.getText(sourceFile)})`
          : ts.isDoStatement(node)
            ? `do ... while (${node.expression.getText(sourceFile)})`
            : node.getText(sourceFile);
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 100 ? oneLine.slice(0, 97) + "..." : oneLine;
}

export class FunctionLowering {
  private readonly values = new ValueFactory();
  private readonly builder: Builder;
  private env = new Map<ts.Symbol, Value>();
  private readonly parameterArrays = new Set<Value>();
  /** `int` parameters and counters of counted loops. */
  private readonly integerSymbols = new Set<ts.Symbol>();
  /** The loops being lowered, innermost last. */
  private readonly loops: LoopContext[] = [];
  private readonly syntheticSymbols = new Set<ts.Symbol>();
  /** What `return` gives in the function (or inlined helper) being lowered. */
  private returnType: Type = "number";
  /** The helpers being inlined, innermost last. */
  private readonly inlined: FunctionNode[] = [];
  private returnFlagSymbols?: { returned: ts.Symbol; returnValue: ts.Symbol };
  /** Element reads since the last write into an array (see readElement). */
  private readonly elementReads = new Map<string, { region: Region; value: Value }>();
  private readonly types: TypeClassifier;
  /** The leaves of every object value, by dotted path (see makeObject). */
  private readonly objectFields = new Map<Value, Map<string, Value>>();

  /** Functions of the user's program that the generated code calls, and how it reaches them. */
  readonly references: ExternalReference[] = [];

  constructor(
    private readonly checker: ts.TypeChecker,
    /** The file being lowered: the function's, or a called helper's while it is inlined. */
    private sourceFile: ts.SourceFile,
    private readonly fn: DifferentiableFunction,
    private readonly rules: ReadonlyMap<ts.Symbol, DerivativeRule> = new Map(),
  ) {
    this.builder = new Builder(this.values, emptyRegion());
    this.types = new TypeClassifier(checker);
  }

  private fail(node: ts.Node, code: DiagnosticCode, message: string, hint: string): never {
    return this.failAt(node.getStart(this.sourceFile), code, message, hint);
  }

  /** Every diagnostic names the function, in its message or after it. */
  private failAt(position: number, code: DiagnosticCode, message: string, hint: string): never {
    throw new DiagnosticError({
      code,
      severity: "error",
      message: message.includes(`'${this.fn.name}'`) ? message : `${message} (in '${this.fn.name}')`,
      hint,
      ...locate(this.sourceFile, position),
    });
  }

  /** The function's name as written: the declaration's name or the `const` it is assigned to. */
  private nameNode(): ts.Node {
    const node = this.fn.node;
    if (ts.isFunctionDeclaration(node) && node.name) return node.name;
    return ts.isVariableDeclaration(node.parent) ? node.parent.name : node;
  }

  private unsupported(node: ts.Node): never {
    const isStatement = ts.isStatement(node) || ts.isVariableDeclarationList(node);
    const operator = ts.isBinaryExpression(node)
      ? node.operatorToken.kind
      : ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)
        ? node.operator
        : undefined;
    const construct = operator === undefined ? constructName(node.kind) : `'${ts.tokenToString(operator)}' operators`;
    return this.fail(
      node,
      isStatement ? "AD1003" : "AD1004",
      `${construct} are not supported in differentiable functions yet`,
      "rewrite this part with the supported language (see the README), or move it out of the differentiable function",
    );
  }

  private location(node: ts.Node): SourceLocation {
    // Inside an inlined helper, everything belongs to the call in the user's function.
    if (this.inlined.length > 0 && this.builder.loc) return this.builder.loc;
    const { file, line, column } = locate(this.sourceFile, node.getStart(this.sourceFile));
    return { file, line, column, statement: statementSummary(node, this.sourceFile) };
  }

  /** The current statement's location, narrowed to `node`: for ops a diagnostic may point at. */
  private pointAt(node: ts.Node): SourceLocation {
    if (this.inlined.length > 0 && this.builder.loc) return this.builder.loc;
    const { line, column } = locate(this.sourceFile, node.getStart(this.sourceFile));
    return { ...(this.builder.loc ?? this.location(node)), line, column };
  }

  private symbolOf(node: ts.Node): ts.Symbol {
    const symbol = this.checker.getSymbolAtLocation(node);
    if (!symbol) this.unsupported(node);
    return symbol;
  }

  private irType(type: ts.Type): Type | undefined {
    return this.types.irType(type);
  }

  private arrayKind(type: ts.Type): ArrayKind | undefined {
    return this.types.arrayKind(type);
  }

  private rowKind(type: ts.Type): ArrayKind | undefined {
    return this.types.rowKind(type);
  }

  private typeOf(node: ts.Node, what: string): Type {
    const irType = this.irType(this.checker.getTypeAtLocation(node));
    return irType && irType !== "void" ? irType : this.rejectType(node, what);
  }

  private rejectType(node: ts.Node, what: string): never {
    return this.fail(
      node,
      "AD1009",
      `${what} has type '${this.checker.typeToString(this.checker.getTypeAtLocation(node))}', which is not supported yet`,
      "differentiable functions take numbers, numeric arrays (number[], Float64Array, Float32Array, and arrays of those), objects with such fields, and booleans and strings that are not differentiated",
    );
  }

  private expectType(node: ts.Node, value: Value, type: Type): Value {
    if (value.type !== type) {
      this.fail(node, "AD1009", `expected a ${type} here, found a ${value.type}`, "convert the value explicitly");
    }
    return value;
  }

  lower(): IRFunction {
    const node = this.fn.node;
    const asyncKeyword = ts.getModifiers(node)?.find((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
    if (node.asteriskToken || asyncKeyword) {
      this.fail(
        node.asteriskToken ?? asyncKeyword!,
        "AD1008",
        `'${this.fn.name}' is ${node.asteriskToken ? "a generator" : "async"} and cannot be differentiated`,
        "differentiate a plain synchronous function and call it from the generator or async code",
      );
    }
    const params = this.lowerParams();
    const signature = this.checker.getSignatureFromDeclaration(node)!;
    const returnType = this.checker.getReturnTypeOfSignature(signature);
    const returnsArray = this.arrayKind(returnType);
    const returnsObject = this.types.isObject(returnType) ? this.types.objectTypeText(returnType) : undefined;
    if (this.irType(returnType) !== "number" && !returnsArray && !returnsObject) {
      this.fail(
        node.type ?? node,
        "AD1009",
        `'${this.fn.name}' returns '${this.checker.typeToString(returnType)}'; only functions returning a number, a numeric array or an object are supported yet`,
        "return a single number (for example a loss), an array of numbers, or an object of those",
      );
    }
    this.returnType = returnsArray ? "array" : returnsObject ? "object" : "number";
    const body = node.body!;
    let result: Outcome;
    if (ts.isBlock(body)) {
      result = this.lowerStatements(body.statements);
    } else {
      this.builder.loc = this.location(body);
      result = this.expectType(body, this.lowerExpression(body), this.returnType);
    }
    if (typeof result !== "object") throw new Error(`not every path of '${this.fn.name}' returns a value`);
    this.builder.region.yields = [result];
    const fn: IRFunction = { name: this.fn.name, params, body: this.builder.region, loc: this.location(node) };
    if (returnsArray) fn.returnsArray = returnsArray;
    if (returnsObject) fn.returnsObject = returnsObject;
    return fn;
  }

  private lowerParams(): Param[] {
    const wrt = this.fn.wrt?.map((entry) => entry.name);
    const params = this.fn.node.parameters.flatMap((p): Param[] => {
      if (!ts.isIdentifier(p.name) || p.dotDotDotToken || p.initializer || p.questionToken) {
        this.fail(
          p,
          "AD1009",
          `parameter '${p.name.getText(this.sourceFile)}' is destructured, rest, optional or has a default, which is not supported yet`,
          "declare a plain parameter and pass every argument",
        );
      }
      const name = p.name.text;
      const isInt =
        p.type !== undefined && ts.isTypeReferenceNode(p.type) && p.type.typeName.getText(this.sourceFile) === "int";
      const type = this.typeOf(p, `parameter '${name}'`);
      const paramType = this.checker.getTypeAtLocation(p);
      if (type === "object") return this.objectParam(p, name, paramType, wrt ? wrt.includes(name) : undefined);
      const value = this.values.value(type, name);
      this.env.set(this.symbolOf(p.name), value);
      if (isInt) this.integerSymbols.add(this.symbolOf(p.name));
      const shape = type === "array" ? this.types.arrayShape(paramType) : undefined;
      if (shape) this.parameterArrays.add(value);
      const differentiable = (type === "number" && !isInt) || type === "array";
      const differentiated = wrt ? wrt.includes(name) : differentiable;
      if (differentiated && !differentiable) {
        this.fail(
          p,
          "AD1010",
          `cannot differentiate with respect to '${name}': its type is ${isInt ? "int" : type}`,
          "name only number and array parameters in wrt; int marks sizes, counts and indices, which have no derivative",
        );
      }
      // An array of objects is written structurally: the generated module does not import types.
      const typeText = shape?.elementFields
        ? shape.typeText
        : type === "array"
          ? p.type!.getText(this.sourceFile)
          : type;
      return [
        {
          value,
          typeText,
          differentiated,
          ...(isInt ? { integer: true } : {}),
          ...(shape?.arrayKind ? { arrayKind: shape.arrayKind } : {}),
          ...(shape?.rowKind ? { rowKind: shape.rowKind } : {}),
          ...(shape?.elementFields ? { elementFields: shape.elementFields } : {}),
        },
      ];
    });
    for (const { name, position } of this.fn.wrt ?? []) {
      if (!params.some((p) => (p.field?.param ?? p.value.name) === name)) {
        this.failAt(
          position,
          "AD1010",
          `wrt names '${name}', which is not a parameter of '${this.fn.name}'`,
          "name parameters of the function",
        );
      }
    }
    if (!params.some((p) => p.differentiated)) {
      this.fail(
        this.nameNode(),
        "AD1010",
        `'${this.fn.name}' has no number parameter to differentiate`,
        "add a number or array parameter, or remove @differentiable",
      );
    }
    return params;
  }

  /**
   * An object parameter: one IR parameter per leaf, named after the parameter and the path
   * (`p.x` is `pX`). Its number and array leaves are differentiated when the parameter is
   * (`wrtNamed` says whether wrt names it; without wrt, every object parameter is).
   */
  private objectParam(p: ts.ParameterDeclaration, name: string, type: ts.Type, wrtNamed: boolean | undefined): Param[] {
    const fields = new Map<string, Value>();
    const leaves = this.types.leaves(type);
    if (leaves.length === 0) {
      // The parameter would vanish from the generated signature, shifting the arguments after it.
      this.rejectType(p, `parameter '${name}'`);
    }
    const params = leaves.map((leaf): Param => {
      const value = this.values.value(leaf.type, leafName(name, leaf.path));
      fields.set(leaf.path, value);
      if (leaf.type === "array") this.parameterArrays.add(value);
      const differentiable = (leaf.type === "number" && !leaf.integer) || leaf.type === "array";
      return {
        value,
        typeText: leaf.typeText,
        differentiated: wrtNamed !== false && differentiable,
        field: { param: name, path: leaf.path },
        ...(leaf.integer ? { integer: true } : {}),
        ...(leaf.arrayKind ? { arrayKind: leaf.arrayKind } : {}),
        ...(leaf.rowKind ? { rowKind: leaf.rowKind } : {}),
        ...(leaf.elementFields ? { elementFields: leaf.elementFields } : {}),
      };
    });
    if (wrtNamed === true && !params.some((param) => param.differentiated)) {
      this.fail(
        p,
        "AD1010",
        `cannot differentiate with respect to '${name}': it has no number or array field`,
        "name parameters with number fields in wrt",
      );
    }
    this.env.set(this.symbolOf(p.name), this.makeObject(fields));
    return params;
  }

  // ----- objects -----

  /** A new object value from its leaves (see src/ir/types.ts). */
  private makeObject(fields: Map<string, Value>): Value {
    const object = this.builder.emit("object", [...fields.values()], "object", { fields: [...fields.keys()] });
    this.objectFields.set(object, fields);
    return object;
  }

  private fieldsOf(object: Value): Map<string, Value> {
    const fields = this.objectFields.get(object);
    if (!fields) throw new Error("an object value was not built by makeObject");
    return fields;
  }

  /** `object.name`: a leaf, or the object of the leaves under `name.`. */
  private field(object: Value, name: string, node: ts.Node): Value {
    const fields = this.fieldsOf(object);
    const leaf = fields.get(name);
    if (leaf) return leaf;
    const prefix = `${name}.`;
    const inner = [...fields]
      .filter(([path]) => path.startsWith(prefix))
      .map(([path, value]) => [path.slice(prefix.length), value] as const);
    if (inner.length > 0) return this.makeObject(new Map(inner));
    return this.fail(
      node,
      "AD1009",
      `the field '${name}' has a type differentiable functions do not support, or is optional`,
      "read only fields of type number, boolean, string, numeric array or object of those",
    );
  }

  /** `{ x: a, y, ...p }`: nested objects become leaves at dotted paths. */
  private lowerObjectLiteral(literal: ts.ObjectLiteralExpression): Value {
    const fields = new Map<string, Value>();
    const setField = (name: string, value: Value) => {
      for (const path of [...fields.keys()]) if (path === name || path.startsWith(`${name}.`)) fields.delete(path);
      if (value.type !== "object") fields.set(name, value);
      else for (const [path, leaf] of this.fieldsOf(value)) fields.set(`${name}.${path}`, leaf);
    };
    for (const property of literal.properties) {
      if (ts.isSpreadAssignment(property)) {
        const spread = this.lowerExpression(property.expression);
        if (spread.type !== "object") this.unsupported(property);
        for (const [path, leaf] of this.fieldsOf(spread)) fields.set(path, leaf);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        const symbol = this.checker.getShorthandAssignmentValueSymbol(property);
        const value = symbol && this.env.get(symbol);
        setField(property.name.text, value ?? this.lowerIdentifier(property.name));
      } else if (
        ts.isPropertyAssignment(property) &&
        (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
      ) {
        setField(property.name.text, this.lowerExpression(property.initializer));
      } else {
        this.unsupported(property);
      }
    }
    return this.makeObject(fields);
  }

  /** `const { x, y: b, pos: { z } } = p`. */
  private lowerObjectDestructuring(pattern: ts.ObjectBindingPattern, object: Value): void {
    if (object.type !== "object") this.unsupported(pattern);
    for (const element of pattern.elements) {
      const key = element.propertyName ?? element.name;
      if (element.dotDotDotToken || element.initializer || !(ts.isIdentifier(key) || ts.isStringLiteral(key)))
        this.unsupported(element);
      this.bindPattern(element.name, this.field(object, key.text, element));
    }
  }

  private bindPattern(name: ts.BindingName, value: Value): void {
    if (ts.isIdentifier(name)) this.bind(this.symbolOf(name), value);
    else if (ts.isObjectBindingPattern(name)) this.lowerObjectDestructuring(name, value);
    else this.lowerArrayDestructuring(name, value);
  }

  /**
   * `v.x = e`, `v.pos.y += e`, `v.x++`: the variable is bound to a new object with the leaf
   * replaced. Objects are references in JavaScript, so this is only right when no other
   * variable, array or call sees the same object: see rejectSharedWrite.
   */
  private writeField(target: ts.PropertyAccessExpression, update: (old: () => Value) => Value): Value {
    const path: string[] = [];
    let root: ts.Expression = target;
    while (ts.isPropertyAccessExpression(root)) {
      path.unshift(root.name.text);
      root = root.expression;
    }
    if (!ts.isIdentifier(root)) {
      return this.fail(
        target,
        "AD1004",
        "only fields of local object variables can be assigned",
        "build the object in a local variable",
      );
    }
    if (path.length > 1) {
      // `v.inner` may be another variable's object too (`{ inner: c }`): its fields stay as they are.
      const inner = path.slice(0, -1).join(".");
      this.fail(
        target,
        "AD1004",
        `writing a field of the nested object '${root.text}.${inner}' is not supported: that object may be shared`,
        `give it a new object instead: ${root.text}.${inner} = { ...${root.text}.${inner}, ${path[path.length - 1]}: ... }`,
      );
    }
    const symbol = this.symbolOf(root);
    this.rejectSharedWrite(target, root, symbol);
    const object = this.lowerIdentifier(root);
    if (object.type !== "object") return this.unsupported(target);
    const key = path.join(".");
    const fields = new Map(this.fieldsOf(object));
    const value = update(() => this.expectType(target, this.field(object, key, target), "number"));
    for (const existing of [...fields.keys()])
      if (existing === key || existing.startsWith(`${key}.`)) fields.delete(existing);
    if (value.type === "object") for (const [inner, leaf] of this.fieldsOf(value)) fields.set(`${key}.${inner}`, leaf);
    else fields.set(key, value);
    this.env.set(symbol, this.makeObject(fields));
    return value;
  }

  /**
   * Writing a field is allowed on a local variable that always holds an object literal of its
   * own and is used only through its fields (or returned): then no other name sees the write.
   */
  private rejectSharedWrite(target: ts.Node, root: ts.Identifier, symbol: ts.Symbol): void {
    const declaration = symbol.valueDeclaration;
    const owner = this.inlined[this.inlined.length - 1] ?? this.fn.node;
    if (declaration && ts.isParameter(declaration)) {
      this.fail(
        target,
        "AD1004",
        `'${root.text}' is a parameter: writing into its fields would change the object the caller passed`,
        `build a new object instead, as in const moved = { ...${root.text}, x: 1 }`,
      );
    }
    if (!declaration || !ts.isVariableDeclaration(declaration)) {
      // A name bound by destructuring (`const { inner } = v`) holds an object another one holds too.
      this.fail(
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
      this.fail(
        target,
        "AD1004",
        `'${root.text}' is not a local of '${this.fn.name}': writing into its fields would change state outside the function`,
        "keep the object in a local variable, or return the value instead",
      );
    }
    let shared: ts.Node | undefined;
    const visit = (node: ts.Node): void => {
      if (shared) return;
      if (ts.isIdentifier(node) && node !== declaration.name && this.checker.getSymbolAtLocation(node) === symbol) {
        const parent = node.parent;
        const assigned =
          ts.isBinaryExpression(parent) &&
          parent.left === node &&
          parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
        if (assigned ? !ts.isObjectLiteralExpression(skipParentheses(parent.right)) : this.mayAlias(node))
          shared = node;
      }
      ts.forEachChild(node, visit);
    };
    if (declaration.initializer && !ts.isObjectLiteralExpression(skipParentheses(declaration.initializer)))
      shared = declaration.initializer;
    visit(owner);
    if (shared) {
      const { line } = locate(this.sourceFile, shared.getStart(this.sourceFile));
      this.fail(
        target,
        "AD1004",
        `'${root.text}' may share its object with another variable or a call (line ${line}): writing into its fields is not supported`,
        `build a new object instead, as in ${root.text} = { ...${root.text}, x: 1 }, or give '${root.text}' its own object literal`,
      );
    }
  }

  /**
   * True when this use of an object variable may give the same object another name: stored in a
   * variable, an object or an array, or passed to a helper that may return it. Reading fields,
   * spreading, returning it and passing it to functions returning something else do not.
   */
  private mayAlias(use: ts.Identifier): boolean {
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
    if (
      ts.isPropertyAccessExpression(parent) ||
      ts.isElementAccessExpression(parent) ||
      ts.isSpreadAssignment(parent) ||
      ts.isReturnStatement(parent)
    ) {
      return false;
    }
    if (ts.isCallExpression(parent) && parent.expression !== node) {
      if (this.irType(this.checker.getTypeAtLocation(parent)) !== "object") return false;
      const helper = this.helperOf(parent.expression);
      return helper === undefined || !returnsOnlyNewObjects(this.checker, this.types, helper);
    }
    return true;
  }

  // ----- statements -----

  /**
   * Lowers statements in order. Returns the returned value when every path through them returns
   * (outside loops), "exits" when they leave the current loop iteration on every path (break,
   * continue, return inside a loop: the statements after an exiting `if` are lowered into its
   * branches), undefined when they fall through. `endsIteration` marks the statements that end
   * a loop's body, after which its update (the i++ of a for loop) runs.
   */
  private lowerStatements(statements: readonly ts.Statement[], endsIteration = false): Outcome {
    for (let i = 0; i < statements.length; i++) {
      const statement = statements[i]!;
      const rest = statements.slice(i + 1);
      if (ts.isBlock(statement)) return this.lowerStatements([...statement.statements, ...rest], endsIteration);
      this.builder.loc = this.location(statement);
      if (ts.isReturnStatement(statement)) {
        if (!statement.expression) {
          this.fail(
            statement,
            "AD1003",
            "'return;' without a value is not supported yet",
            "write the function with if/else so that it ends without a bare return",
          );
        }
        const value = this.expectType(
          statement.expression,
          this.lowerExpression(statement.expression),
          this.returnType,
        );
        if (this.loops.length === 0) return value;
        if (value.type === "object") {
          this.fail(
            statement,
            "AD1003",
            "returning an object from inside a loop is not supported yet",
            "leave the loop with break and return after it",
          );
        }
        const { returned, returnValue } = this.returnFlags();
        this.env.set(returned, this.boolean(true));
        this.env.set(returnValue, value);
        return "exits";
      }
      if (ts.isBreakStatement(statement)) {
        this.env.set(this.targetLoop(statement).broken!, this.boolean(true));
        return "exits";
      }
      if (ts.isContinueStatement(statement)) {
        if (this.targetLoop(statement) !== this.loops[this.loops.length - 1]) {
          this.rejectLoop(statement, "continue to an outer loop");
        }
        this.loops[this.loops.length - 1]!.update?.();
        return "exits";
      }
      if (ts.isIfStatement(statement) && this.exitsIteration(statement)) {
        const condition = this.lowerCondition(statement.expression);
        const thenBranch = [statement.thenStatement, ...rest];
        const elseBranch = statement.elseStatement ? [statement.elseStatement, ...rest] : rest;
        return this.lowerBranches(
          statement,
          condition,
          () => this.lowerStatements(thenBranch, endsIteration),
          () => this.lowerStatements(elseBranch, endsIteration),
        );
      }
      const loop = ts.isLabeledStatement(statement) ? statement.statement : statement;
      if (isLoopStatement(loop) && (containsReturn(loop) || this.breaksOutOf(loop).length > 0)) {
        this.lowerLoop(loop, ts.isLabeledStatement(statement) ? statement.label.text : undefined);
        return this.afterExitingLoop(statement, loop, rest, endsIteration);
      }
      this.lowerStatement(statement);
    }
    if (endsIteration) this.loops[this.loops.length - 1]!.update?.();
    return undefined;
  }

  /**
   * After a loop that may return or break out of an enclosing loop: the rest runs only when it
   * did not.
   */
  private afterExitingLoop(
    statement: ts.Statement,
    loop: ts.IterationStatement,
    rest: readonly ts.Statement[],
    endsIteration: boolean,
  ): Outcome {
    const flags = this.breaksOutOf(loop).map((context) => this.env.get(context.broken!)!);
    if (containsReturn(loop)) flags.push(this.env.get(this.returnFlags().returned)!);
    const left = flags.reduce((any, flag) => this.builder.emit("or", [any, flag], "boolean"));
    if (this.loops.length === 0) {
      const { returnValue } = this.returnFlags();
      // When the rest falls through, TypeScript has proved the loop only ends by returning.
      return this.lowerBranches(
        statement,
        left,
        () => this.env.get(returnValue)!,
        () => {
          const outcome = this.lowerStatements(rest);
          return typeof outcome === "object" ? outcome : this.env.get(returnValue)!;
        },
      );
    }
    return this.lowerBranches(
      statement,
      left,
      () => "exits",
      () => this.lowerStatements(rest, endsIteration),
    );
  }

  /** True for an `if` containing a return, or a break or continue of a loop being lowered. */
  private exitsIteration(statement: ts.IfStatement): boolean {
    if (containsReturn(statement)) return true;
    let exits = false;
    const visit = (node: ts.Node, innerLoops: number): void => {
      if ((ts.isBreakStatement(node) || ts.isContinueStatement(node)) && (node.label || innerLoops === 0)) {
        exits ||= node.label === undefined || this.loops.some((l) => l.label === node.label!.text);
      }
      if (ts.isFunctionLike(node)) return;
      const inner = isLoopStatement(node) || ts.isSwitchStatement(node) ? innerLoops + 1 : innerLoops;
      ts.forEachChild(node, (child) => visit(child, inner));
    };
    visit(statement, 0);
    return exits && this.loops.length > 0;
  }

  /** The enclosing loops a loop statement breaks out of with a labeled break. */
  private breaksOutOf(loop: ts.IterationStatement): LoopContext[] {
    const targets: LoopContext[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isBreakStatement(node) && node.label) {
        const target = this.loops.find((l) => l.label === node.label!.text);
        if (target && !targets.includes(target)) targets.push(target);
      }
      if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
    };
    visit(loop.statement);
    return targets;
  }

  private targetLoop(statement: ts.BreakOrContinueStatement): LoopContext {
    const loops = this.loops;
    const target = statement.label ? loops.find((l) => l.label === statement.label!.text) : loops[loops.length - 1];
    if (!target) return this.unsupported(statement);
    return target;
  }

  /** The variables that record a return from inside a loop, carried out of every loop. */
  private returnFlags(): { returned: ts.Symbol; returnValue: ts.Symbol } {
    if (!this.returnFlagSymbols) {
      this.returnFlagSymbols = { returned: this.synthetic("returned"), returnValue: this.synthetic("returnValue") };
    }
    return this.returnFlagSymbols;
  }

  /** A variable the lowering introduces (a loop's `broken` flag): a symbol of no declaration. */
  private synthetic(name: string): ts.Symbol {
    const symbol = { name, flags: 0, escapedName: name } as unknown as ts.Symbol;
    this.syntheticSymbols.add(symbol);
    return symbol;
  }

  private boolean(value: boolean): Value {
    return this.builder.emit("bool", [], "boolean", { value });
  }

  private lowerStatement(statement: ts.Statement): void {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name) && declaration.initializer) {
          this.bindPattern(declaration.name, this.lowerExpression(declaration.initializer));
          continue;
        }
        if (!ts.isIdentifier(declaration.name)) this.unsupported(declaration);
        const symbol = this.symbolOf(declaration.name);
        const type = this.typeOf(declaration.name, `'${declaration.name.text}'`);
        if (declaration.initializer) {
          const value = this.expectType(declaration.initializer, this.lowerExpression(declaration.initializer), type);
          this.bind(symbol, value);
        }
      }
    } else if (ts.isExpressionStatement(statement)) {
      const expression = statement.expression;
      if (ts.isCallExpression(expression)) this.lowerCall(expression);
      else this.lowerExpression(expression);
    } else if (ts.isIfStatement(statement)) {
      this.lowerIf(statement);
    } else if (isLoopStatement(statement)) {
      this.lowerLoop(statement);
    } else if (ts.isLabeledStatement(statement) && isLoopStatement(statement.statement)) {
      this.lowerLoop(statement.statement, statement.label.text);
    } else if (!ts.isEmptyStatement(statement)) {
      this.unsupported(statement);
    }
  }

  /** `const [a, b] = pair`: each name bound to the element at its position. */
  private lowerArrayDestructuring(pattern: ts.ArrayBindingPattern, array: Value): void {
    if (array.type !== "array") this.unsupported(pattern);
    pattern.elements.forEach((element, k) => {
      if (ts.isOmittedExpression(element)) return;
      if (element.dotDotDotToken || element.initializer || !ts.isIdentifier(element.name)) this.unsupported(element);
      this.bind(this.symbolOf(element.name), this.readElement(array, this.builder.constant(k)));
    });
  }

  private bind(symbol: ts.Symbol, value: Value): void {
    if (value.name === undefined) value.name = symbol.name;
    this.env.set(symbol, value);
  }

  /** Lowers `build` into a new region with its own copy of the environment. */
  private inBranch<R>(
    region: Region,
    entryEnv: Map<ts.Symbol, Value>,
    build: () => R,
  ): { result: R; env: Map<ts.Symbol, Value> } {
    this.env = new Map(entryEnv);
    const loc = this.builder.loc;
    const result = this.builder.inRegion(region, build);
    this.builder.loc = loc;
    const env = this.env;
    this.env = entryEnv;
    return { result, env };
  }

  /** `if (c) {...} else {...}` that neither returns nor leaves a loop. */
  private lowerIf(statement: ts.IfStatement): void {
    const condition = this.lowerCondition(statement.expression);
    this.lowerBranches(
      statement,
      condition,
      () => this.lowerStatements([statement.thenStatement]),
      () => this.lowerStatements(statement.elseStatement ? [statement.elseStatement] : []),
    );
  }

  /**
   * An `if` op from two branches. When both return a value (a function-level `if` whose branches
   * hold the rest of the function), the op yields it. Otherwise the op yields every variable of
   * the enclosing scope a branch assigns, which afterwards names the op's result.
   */
  private lowerBranches(
    statement: ts.Node,
    condition: Value,
    lowerThen: () => Outcome,
    lowerElse: () => Outcome,
  ): Outcome {
    const entryEnv = this.env;
    const thenRegion = emptyRegion();
    const elseRegion = emptyRegion();
    const then = this.inBranch(thenRegion, entryEnv, lowerThen);
    const otherwise = this.inBranch(elseRegion, entryEnv, lowerElse);
    if (typeof then.result === "object" && typeof otherwise.result === "object") {
      return this.choose(condition, [thenRegion, elseRegion], [then.result, otherwise.result], () =>
        this.fail(
          statement,
          "AD1004",
          "returning an array from inside a branch is not supported yet",
          "return one array at the end of the function",
        ),
      );
    }
    if (typeof then.result === "object" || typeof otherwise.result === "object") {
      throw new Error(`not every path of '${this.fn.name}' returns a value`);
    }
    const thenEnv = then.env;
    const elseEnv = otherwise.env;
    // Variables of the function (or inlined helper) being lowered, declared before the branch;
    // an inlined helper's parameters and locals belong to the helper, not to this scope.
    const owner = this.inlined[this.inlined.length - 1] ?? this.fn.node;
    const declaredBefore = (symbol: ts.Symbol) => {
      const declaration = symbol.valueDeclaration;
      const inOwner =
        declaration !== undefined &&
        declaration.getSourceFile() === owner.getSourceFile() &&
        declaration.getStart() >= owner.getStart() &&
        declaration.getEnd() <= owner.getEnd();
      return (
        this.syntheticSymbols.has(symbol) ||
        entryEnv.has(symbol) ||
        (inOwner && declaration.getEnd() <= statement.getStart(this.sourceFile))
      );
    };
    const assignedSymbols = [...new Set([...thenEnv.keys(), ...elseEnv.keys()])].filter(
      (symbol) =>
        declaredBefore(symbol) &&
        (thenEnv.get(symbol) !== entryEnv.get(symbol) || elseEnv.get(symbol) !== entryEnv.get(symbol)),
    );
    const assigned = this.slotsOf(assignedSymbols, [thenEnv, elseEnv, entryEnv]).filter(
      (slot) =>
        this.slotValue(thenEnv, slot) !== this.slotValue(entryEnv, slot) ||
        this.slotValue(elseEnv, slot) !== this.slotValue(entryEnv, slot),
    );
    const yieldOf = (env: Map<ts.Symbol, Value>, region: Region, slot: Slot, type: Type) =>
      this.slotValue(env, slot) ?? this.builder.inRegion(region, () => this.builder.emit("undef", [], type));
    const types = assigned.map((slot) => (this.slotValue(thenEnv, slot) ?? this.slotValue(elseEnv, slot))!.type);
    if (types.includes("array")) {
      this.fail(
        statement,
        "AD1004",
        "assigning an array variable in a branch is not supported yet",
        "write into the array's elements instead",
      );
    }
    thenRegion.yields = assigned.map((slot, i) => yieldOf(thenEnv, thenRegion, slot, types[i]!));
    elseRegion.yields = assigned.map((slot, i) => yieldOf(elseEnv, elseRegion, slot, types[i]!));
    const op = this.builder.op({
      opcode: "if",
      operands: [condition],
      regions: [thenRegion, elseRegion],
      results: assigned.map((slot, i) => ({ type: types[i]!, name: slotName(slot) })),
    });
    this.assignSlots(this.env, assigned, op.results, entryEnv);
    return then.result === undefined || otherwise.result === undefined ? undefined : "exits";
  }

  /** The slots of variables: one per variable, one per leaf for an object variable (the
   * leaves any of `envs` holds). */
  private slotsOf(symbols: ts.Symbol[], envs: Map<ts.Symbol, Value>[]): Slot[] {
    return symbols.flatMap((symbol): Slot[] => {
      const objects = envs.map((env) => env.get(symbol)).filter((value) => value?.type === "object");
      if (objects.length === 0) return [{ symbol }];
      const paths = new Set(objects.flatMap((object) => [...this.fieldsOf(object!).keys()]));
      return [...paths].map((path) => ({ symbol, path }));
    });
  }

  private slotValue(env: Map<ts.Symbol, Value>, slot: Slot): Value | undefined {
    const value = env.get(slot.symbol);
    return value && slot.path !== undefined ? this.fieldsOf(value).get(slot.path) : value;
  }

  /** Sets each slot in `env`: an object variable gets a new object holding the new leaves and,
   * for the leaves not among the slots, those it has in `base`. */
  private assignSlots(env: Map<ts.Symbol, Value>, slots: Slot[], values: Value[], base: Map<ts.Symbol, Value>): void {
    const objects = new Map<ts.Symbol, Map<string, Value>>();
    slots.forEach((slot, i) => {
      if (slot.path === undefined) {
        env.set(slot.symbol, values[i]!);
        return;
      }
      if (!objects.has(slot.symbol)) {
        const before = base.get(slot.symbol);
        objects.set(slot.symbol, new Map(before?.type === "object" ? this.fieldsOf(before) : []));
      }
      objects.get(slot.symbol)!.set(slot.path, values[i]!);
    });
    objects.forEach((fields, symbol) => env.set(symbol, this.makeObject(fields)));
  }

  /** The slots a loop carries: its carried variables, and every leaf but arrays of an object
   * variable (arrays are references: the loop writes into them, it cannot replace them). */
  private loopSlots(carried: ts.Symbol[], entryEnv: Map<ts.Symbol, Value>): Slot[] {
    return this.slotsOf(carried, [entryEnv]).filter(
      (slot) => slot.path === undefined || this.slotValue(entryEnv, slot)!.type !== "array",
    );
  }

  /** The values a loop body yields for its slots; replacing an object's array is rejected. */
  private loopYields(
    loop: ts.Node,
    slots: Slot[],
    carried: ts.Symbol[],
    entryEnv: Map<ts.Symbol, Value>,
    env: Map<ts.Symbol, Value>,
  ): Value[] {
    for (const slot of this.slotsOf(carried, [entryEnv])) {
      const after = this.slotValue(env, slot);
      if (after === undefined || (after.type === "array" && after !== this.slotValue(entryEnv, slot))) {
        this.rejectLoop(
          loop,
          `the loop replaces the field '${slot.path}' of '${slot.symbol.name}'; assign its numbers instead`,
        );
      }
    }
    return slots.map((slot) => this.slotValue(env, slot)!);
  }

  // ----- loops -----

  /** The variables declared outside `loop` that its body (and its update and condition) assign:
   * the loop-carried values. */
  private carriedBy(loop: ts.IterationStatement): ts.Symbol[] {
    const assigned: ts.Symbol[] = [];
    const body = loop.statement;
    const note = (target: ts.Expression) => {
      // `v.x = ...` assigns the object variable v.
      while (ts.isPropertyAccessExpression(target)) target = target.expression;
      const symbol = ts.isIdentifier(target) ? this.checker.getSymbolAtLocation(target) : undefined;
      const declaration = symbol?.valueDeclaration;
      // Declared before the body: in an enclosing scope or in a for loop's initializer.
      const outside =
        declaration !== undefined &&
        !(declaration.getStart() >= body.getStart(this.sourceFile) && declaration.getEnd() <= body.getEnd());
      if (!symbol || !outside || assigned.includes(symbol)) return;
      // `let change: number;` declared before the loop and first assigned in it starts as a
      // placeholder: TypeScript's definite assignment rules out reading it before.
      const declaredBeforeLoop = declaration.getEnd() <= loop.getStart(this.sourceFile);
      if (!this.env.has(symbol) && declaredBeforeLoop && ts.isVariableDeclaration(declaration)) {
        this.env.set(symbol, this.undefinedValue(declaration.name, `'${symbol.name}'`));
      }
      if (this.env.has(symbol)) assigned.push(symbol);
    };
    const visit = (node: ts.Node): void => {
      if (
        ts.isBinaryExpression(node) &&
        (node.operatorToken.kind === ts.SyntaxKind.EqualsToken || compoundAssignments.has(node.operatorToken.kind))
      ) {
        note(node.left);
      } else if (
        (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
        (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
      ) {
        note(node.operand);
      }
      if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
    };
    [
      loop.statement,
      ...(ts.isForStatement(loop) ? [loop.incrementor, loop.condition] : []),
      ...(ts.isWhileStatement(loop) || ts.isDoStatement(loop) ? [loop.expression] : []),
    ].forEach((node) => node && visit(node));
    return assigned;
  }

  /** The placeholder value of a variable declared without a value: `let v: Vec2;`. */
  private undefinedValue(name: ts.Node, what: string): Value {
    const type = this.typeOf(name, what);
    if (type !== "object") return this.builder.emit("undef", [], type);
    const leaves = this.types.leaves(this.checker.getTypeAtLocation(name));
    return this.makeObject(new Map(leaves.map((leaf) => [leaf.path, this.builder.emit("undef", [], leaf.type)])));
  }

  private rejectLoop(node: ts.Node, reason: string): never {
    return this.fail(
      node,
      "AD1003",
      `this loop is not supported yet: ${reason}`,
      "write it as for (let i = start; i < end; i++) { ... } with a bound the body does not change, or as for (const v of array)",
    );
  }

  private lowerLoop(statement: ts.IterationStatement, label?: string): void {
    const exits =
      containsReturn(statement.statement) || this.breaks(statement, label) || this.breaksOutOf(statement).length > 0;
    if (ts.isForStatement(statement) && !exits && this.countedForm(statement) === undefined) {
      this.lowerFor(statement, label);
    } else if (
      ts.isForOfStatement(statement) &&
      !exits &&
      !this.changedByBody(statement.expression, statement.statement)
    ) {
      this.lowerForOf(statement, label);
    } else if (ts.isForStatement(statement)) {
      this.lowerGeneralFor(statement, label);
    } else if (ts.isForOfStatement(statement)) {
      this.lowerGeneralForOf(statement, label);
    } else if (ts.isWhileStatement(statement) || ts.isDoStatement(statement)) {
      const condition = statement.expression;
      this.lowerWhile(statement, label, {
        condition: () => this.lowerCondition(condition),
        doWhile: ts.isDoStatement(statement),
      });
    } else {
      this.unsupported(statement);
    }
  }

  /** True when the loop's body breaks out of it. */
  private breaks(loop: ts.IterationStatement, label: string | undefined): boolean {
    let found = false;
    const visit = (node: ts.Node, depth: number): void => {
      if (
        ts.isBreakStatement(node) &&
        ((node.label === undefined && depth === 0) || (label !== undefined && node.label?.text === label))
      )
        found = true;
      if (ts.isFunctionLike(node)) return;
      const inner = isLoopStatement(node) || ts.isSwitchStatement(node) ? depth + 1 : depth;
      ts.forEachChild(node, (child) => visit(child, inner));
    };
    visit(loop.statement, 0);
    return found;
  }

  /** Why a `for` statement is not a counted loop, or undefined when it is one. */
  private countedForm(statement: ts.ForStatement): string | undefined {
    try {
      this.countedParts(statement);
      return undefined;
    } catch (error) {
      if (error instanceof DiagnosticError) return error.message;
      throw error;
    }
  }

  /**
   * `for (let i = start; i < bound; i += step)`, the counted form: the counter is not assigned
   * in the body, the step is an integer literal, the bound does not change in the loop.
   */
  private countedParts(statement: ts.ForStatement) {
    const { initializer, condition, incrementor } = statement;
    const declarations =
      initializer && ts.isVariableDeclarationList(initializer) ? initializer.declarations : undefined;
    const declaration = declarations?.length === 1 ? declarations[0] : undefined;
    if (!declaration || !ts.isIdentifier(declaration.name) || !declaration.initializer) {
      this.rejectLoop(statement, "the initializer must declare one counter, as in let i = 0");
    }
    const counter = this.symbolOf(declaration.name);
    const isCounter = (node: ts.Node) => ts.isIdentifier(node) && this.checker.getSymbolAtLocation(node) === counter;
    const step = incrementor && this.counterStep(incrementor, isCounter);
    if (step === undefined)
      this.rejectLoop(incrementor ?? statement, "the update must be i++, i--, i += k or i -= k with an integer k");
    if (!condition || !ts.isBinaryExpression(condition))
      this.rejectLoop(condition ?? statement, "the condition must compare the counter with a bound");
    const flipped: Record<string, string> = { lt: "gt", le: "ge", gt: "lt", ge: "le" };
    let comparison = comparisons.get(condition.operatorToken.kind);
    let boundExpression = condition.right;
    if (comparison && isCounter(condition.right) && !isCounter(condition.left)) {
      comparison = flipped[comparison];
      boundExpression = condition.left;
    } else if (!isCounter(condition.left)) {
      comparison = undefined;
    }
    if (comparison === undefined || !(comparison in flipped))
      this.rejectLoop(condition, "the condition must be i < bound, i <= bound, i > bound or i >= bound");
    if ((comparison === "lt" || comparison === "le") !== step > 0)
      this.rejectLoop(incrementor!, "the update must move the counter towards the bound");
    const carried = this.carriedBy(statement);
    this.rejectCarriedArrays(statement, carried);
    if (carried.includes(counter) || this.assignsSymbol(statement.statement, counter))
      this.rejectLoop(statement, "the body assigns the counter");
    if (this.readsAny(boundExpression, carried) || this.changedByBody(boundExpression, statement.statement)) {
      this.rejectLoop(boundExpression, "the bound changes inside the loop");
    }
    // The reversed loop computes the counter's values again from its start: exact for integers.
    if (!this.isIntegerExpression(declaration.initializer))
      this.rejectLoop(declaration.initializer, "the start is not an integer");
    return { declaration, counter, boundExpression, step, comparison, carried };
  }

  private lowerFor(statement: ts.ForStatement, label: string | undefined): void {
    const { declaration, counter, boundExpression, step, comparison, carried } = this.countedParts(statement);
    this.integerSymbols.add(counter);
    const start = this.lowerNumber(declaration.initializer!);
    const bound = this.lowerNumber(boundExpression);
    this.emitCountedLoop(
      statement,
      counter,
      (declaration.name as ts.Identifier).text,
      start,
      bound,
      step,
      comparison,
      carried,
      () => this.lowerLoopBody(statement, label),
    );
  }

  /** `for (const v of xs)`: a counted loop over the indices of xs. */
  private lowerForOf(statement: ts.ForOfStatement, label: string | undefined): void {
    const list = statement.initializer;
    const declaration =
      ts.isVariableDeclarationList(list) && list.declarations.length === 1 ? list.declarations[0] : undefined;
    if (!declaration || statement.awaitModifier) {
      this.rejectLoop(statement, "for...of must declare one variable, as in for (const v of xs)");
    }
    const array = this.lowerExpression(statement.expression);
    if (array.type !== "array") this.rejectLoop(statement.expression, "for...of is supported over numeric arrays");
    const start = this.builder.constant(0);
    const bound = this.builder.emit("array.length", [array], "number");
    const carried = this.carriedBy(statement);
    this.rejectCarriedArrays(statement, carried);
    this.emitCountedLoop(statement, undefined, "i", start, bound, 1, "lt", carried, (index) => {
      this.bindPattern(declaration.name, this.elementOf(statement.expression, array, index));
      this.lowerLoopBody(statement, label);
    });
  }

  private rejectCarriedArrays(loop: ts.Node, carried: ts.Symbol[]): void {
    const array = carried.find((symbol) => this.env.get(symbol)!.type === "array");
    if (array)
      this.rejectLoop(loop, `the loop assigns the array variable '${array.name}'; write into its elements instead`);
  }

  /** The body of a counted loop, which neither breaks nor returns (those loops are `while` ops). */
  private lowerLoopBody(loop: ts.IterationStatement, label: string | undefined): void {
    this.loops.push(label === undefined ? { node: loop } : { node: loop, label });
    this.lowerStatements([loop.statement], true);
    this.loops.pop();
  }

  /** A `for` loop that is not counted: its initializer, then a `while` loop with the update. */
  private lowerGeneralFor(statement: ts.ForStatement, label: string | undefined): void {
    const { initializer, condition, incrementor } = statement;
    if (initializer && ts.isVariableDeclarationList(initializer)) {
      for (const declaration of initializer.declarations) {
        if (!ts.isIdentifier(declaration.name) || !declaration.initializer) this.unsupported(declaration);
        this.bind(this.symbolOf(declaration.name), this.lowerExpression(declaration.initializer));
      }
    } else if (initializer) {
      this.lowerExpression(initializer);
    }
    this.lowerWhile(statement, label, {
      condition: () => (condition ? this.lowerCondition(condition) : this.boolean(true)),
      ...(incrementor ? { update: () => void this.lowerExpression(incrementor) } : {}),
    });
  }

  /** `for (const v of xs)` that breaks or returns: a `while` loop over an index. */
  private lowerGeneralForOf(statement: ts.ForOfStatement, label: string | undefined): void {
    const list = statement.initializer;
    const declaration =
      ts.isVariableDeclarationList(list) && list.declarations.length === 1 ? list.declarations[0] : undefined;
    if (!declaration) return this.rejectLoop(statement, "for...of must declare one variable");
    const array = this.lowerExpression(statement.expression);
    if (array.type !== "array") this.rejectLoop(statement.expression, "for...of is supported over numeric arrays");
    const index = this.synthetic("i");
    this.env.set(index, this.builder.constant(0));
    this.lowerWhile(statement, label, {
      condition: () =>
        this.builder.emit(
          "lt",
          [this.env.get(index)!, this.builder.emit("array.length", [array], "number")],
          "boolean",
        ),
      beforeBody: () =>
        this.bindPattern(declaration.name, this.elementOf(statement.expression, array, this.env.get(index)!)),
      update: () =>
        this.env.set(index, this.builder.emit("add", [this.env.get(index)!, this.builder.constant(1)], "number")),
      carried: [index],
    });
  }

  /**
   * The general loop: a `while` op whose condition region computes, from the carried values,
   * whether to run the body again. Leaving the loop early becomes flags carried by the loop and
   * read by the condition: `broken` for break, `returned` for return; do...while runs its body
   * first by carrying `first`.
   */
  private lowerWhile(
    loop: ts.IterationStatement,
    label: string | undefined,
    parts: {
      condition: () => Value;
      update?: () => void;
      beforeBody?: () => void;
      doWhile?: boolean;
      carried?: ts.Symbol[];
    },
  ): void {
    const context: LoopContext = label === undefined ? { node: loop } : { node: loop, label };
    if (parts.update) context.update = parts.update;
    const flags: ts.Symbol[] = [];
    if (this.breaks(loop, label)) {
      context.broken = this.synthetic("broken");
      this.env.set(context.broken, this.boolean(false));
      flags.push(context.broken);
    }
    for (const outer of this.breaksOutOf(loop)) flags.push(outer.broken!);
    if (containsReturn(loop.statement)) {
      const { returned, returnValue } = this.returnFlags();
      if (!this.env.has(returned)) {
        this.env.set(returned, this.boolean(false));
        this.env.set(returnValue, this.builder.constant(0));
      }
      flags.push(returned, returnValue);
    }
    const first = parts.doWhile ? this.synthetic("first") : undefined;
    if (first) this.env.set(first, this.boolean(true));
    const carried = [
      ...new Set([...this.carriedBy(loop), ...flags, ...(parts.carried ?? []), ...(first ? [first] : [])]),
    ];
    this.rejectCarriedArrays(loop, carried);
    const entryEnv = this.env;
    const slots = this.loopSlots(carried, entryEnv);
    const paramsFor = () =>
      slots.map((slot) => this.values.value(this.slotValue(entryEnv, slot)!.type, slotName(slot)));
    const conditionRegion = emptyRegion(paramsFor());
    const body = emptyRegion(paramsFor());
    const enter = (region: Region) => this.assignSlots(this.env, slots, region.params, entryEnv);
    const condition = this.inBranch(conditionRegion, entryEnv, () => {
      enter(conditionRegion);
      return this.withoutAssignments(loop, () => {
        const stop = flags
          .filter((flag) => flag.name !== "returnValue")
          .map((flag) => this.builder.emit("not", [this.env.get(flag)!], "boolean"));
        const test = first
          ? this.builder.emit("or", [this.env.get(first)!, parts.condition()], "boolean")
          : parts.condition();
        // `while (true)` with a break: the break flag alone decides.
        const alwaysTrue = this.builder.region.ops.find((op) => op.results[0] === test)?.attrs.value === true;
        const terms = alwaysTrue && stop.length > 0 ? stop : [...stop, test];
        return terms.reduce((all, next) => this.builder.emit("and", [all, next], "boolean"));
      });
    }).result;
    conditionRegion.yields = [condition];
    if (conditionRegion.ops.some((op) => op.opcode === "call" || op.regions.length > 0)) {
      this.rejectLoop(loop, "the condition calls a function or holds a conditional expression");
    }
    const { env } = this.inBranch(body, entryEnv, () => {
      enter(body);
      this.loops.push(context);
      if (first) this.env.set(first, this.boolean(false));
      parts.beforeBody?.();
      this.lowerStatements([loop.statement], true);
      this.loops.pop();
    });
    body.yields = this.loopYields(loop, slots, carried, entryEnv, env);
    const op = this.builder.op({
      opcode: "while",
      operands: slots.map((slot) => this.slotValue(entryEnv, slot)!),
      regions: [conditionRegion, body],
      results: slots.map((slot) => ({ type: this.slotValue(entryEnv, slot)!.type, name: slotName(slot) })),
      loc: this.location(loop),
    });
    this.assignSlots(this.env, slots, op.results, entryEnv);
  }

  private emitCountedLoop(
    statement: ts.Node,
    counter: ts.Symbol | undefined,
    counterName: string,
    start: Value,
    bound: Value,
    step: number,
    comparison: string,
    carried: ts.Symbol[],
    lowerBody: (index: Value) => void,
  ): void {
    const stepValue = this.builder.constant(step);
    const index = this.values.value("number", counterName);
    const entryEnv = this.env;
    const slots = this.loopSlots(carried, entryEnv);
    const inits = slots.map((slot) => this.slotValue(entryEnv, slot)!);
    const params = slots.map((slot, i) => this.values.value(inits[i]!.type, slotName(slot)));
    const body = emptyRegion([index, ...params]);
    const bodyEnv = new Map(entryEnv);
    if (counter) bodyEnv.set(counter, index);
    const { env } = this.inBranch(body, bodyEnv, () => {
      this.assignSlots(this.env, slots, params, entryEnv);
      lowerBody(index);
    });
    body.yields = this.loopYields(statement, slots, carried, entryEnv, env);
    const op = this.builder.op({
      opcode: "for",
      operands: [start, bound, stepValue, ...inits],
      regions: [body],
      results: slots.map((slot, i) => ({ type: params[i]!.type, name: slotName(slot) })),
      attrs: { comparison },
      loc: this.location(statement),
    });
    this.assignSlots(this.env, slots, op.results, entryEnv);
  }

  /**
   * True for expressions TypeScript's types and the source show to be integers: integer
   * literals, `int` parameters, lengths, counters of counted loops, `const`s holding such
   * values, Math.floor/ceil/round/trunc, and sums, differences and products of those.
   */
  private isIntegerExpression(node: ts.Expression): boolean {
    if (ts.isNumericLiteral(node)) return Number.isInteger(Number(node.text));
    if (ts.isParenthesizedExpression(node)) return this.isIntegerExpression(node.expression);
    if (ts.isPrefixUnaryExpression(node)) {
      return (
        (node.operator === ts.SyntaxKind.MinusToken || node.operator === ts.SyntaxKind.PlusToken) &&
        this.isIntegerExpression(node.operand)
      );
    }
    if (ts.isPropertyAccessExpression(node)) return node.name.text === "length";
    if (ts.isBinaryExpression(node)) {
      const integerOperators = [ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken];
      return (
        integerOperators.includes(node.operatorToken.kind) &&
        this.isIntegerExpression(node.left) &&
        this.isIntegerExpression(node.right)
      );
    }
    if (ts.isCallExpression(node)) {
      return ["Math.floor", "Math.ceil", "Math.round", "Math.trunc"].includes(node.expression.getText(this.sourceFile));
    }
    if (!ts.isIdentifier(node)) return false;
    const symbol = this.checker.getSymbolAtLocation(node);
    if (!symbol) return false;
    if (this.integerSymbols.has(symbol)) return true;
    const declaration = symbol.valueDeclaration;
    return (
      declaration !== undefined &&
      ts.isVariableDeclaration(declaration) &&
      (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0 &&
      declaration.initializer !== undefined &&
      this.isIntegerExpression(declaration.initializer)
    );
  }

  /** The counter's step for i++, ++i, i--, --i, i += k, i -= k (k an integer literal). */
  private counterStep(update: ts.Expression, isCounter: (node: ts.Node) => boolean): number | undefined {
    if ((ts.isPostfixUnaryExpression(update) || ts.isPrefixUnaryExpression(update)) && isCounter(update.operand)) {
      if (update.operator === ts.SyntaxKind.PlusPlusToken) return 1;
      if (update.operator === ts.SyntaxKind.MinusMinusToken) return -1;
    }
    if (ts.isBinaryExpression(update) && isCounter(update.left) && ts.isNumericLiteral(update.right)) {
      const amount = Number(update.right.text);
      if (!Number.isInteger(amount) || amount === 0) return undefined;
      if (update.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) return amount;
      if (update.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken) return -amount;
    }
    return undefined;
  }

  private assignsSymbol(node: ts.Node, symbol: ts.Symbol): boolean {
    let found = false;
    const visit = (child: ts.Node): void => {
      const target =
        ts.isBinaryExpression(child) &&
        (child.operatorToken.kind === ts.SyntaxKind.EqualsToken || compoundAssignments.has(child.operatorToken.kind))
          ? child.left
          : (ts.isPrefixUnaryExpression(child) || ts.isPostfixUnaryExpression(child)) &&
              (child.operator === ts.SyntaxKind.PlusPlusToken || child.operator === ts.SyntaxKind.MinusMinusToken)
            ? child.operand
            : undefined;
      if (target && ts.isIdentifier(target) && this.checker.getSymbolAtLocation(target) === symbol) found = true;
      ts.forEachChild(child, visit);
    };
    visit(node);
    return found;
  }

  /**
   * True when `body` may change what `expression` reads: an array whose elements it reads and
   * the body writes (element assignments, mutating methods, passing the array to a helper), or
   * an array whose `.length` it reads and the body grows (`push` and the like, or a write at
   * `a[a.length]`). Writing past the end of an array by any other index is not supported.
   */
  private changedByBody(expression: ts.Expression, body: ts.Node): boolean {
    const written = new Set<ts.Symbol>();
    const grown = new Set<ts.Symbol>();
    const rootSymbol = (target: ts.Expression) => {
      let root = target;
      while (ts.isElementAccessExpression(root) || ts.isParenthesizedExpression(root)) root = root.expression;
      return ts.isIdentifier(root) ? this.checker.getSymbolAtLocation(root) : undefined;
    };
    const noteWrite = (target: ts.ElementAccessExpression) => {
      const symbol = rootSymbol(target.expression);
      if (!symbol) return;
      written.add(symbol);
      if (this.readsAny(target.argumentExpression, [symbol])) grown.add(symbol);
    };
    const visit = (node: ts.Node): void => {
      if (
        ts.isBinaryExpression(node) &&
        (node.operatorToken.kind === ts.SyntaxKind.EqualsToken || compoundAssignments.has(node.operatorToken.kind))
      ) {
        if (ts.isElementAccessExpression(node.left)) noteWrite(node.left);
      } else if (
        (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
        ts.isElementAccessExpression(node.operand)
      ) {
        noteWrite(node.operand);
      } else if (ts.isCallExpression(node)) {
        const callee = node.expression;
        if (ts.isPropertyAccessExpression(callee) && mutatingMethods.has(callee.name.text)) {
          const symbol = rootSymbol(callee.expression);
          if (symbol) [written, grown].forEach((set) => set.add(symbol));
        }
        if (!(ts.isPropertyAccessExpression(callee) && callee.expression.getText(this.sourceFile) === "Math")) {
          // A call can change an array it is passed (its elements, its length), not a number.
          for (const arg of node.arguments) {
            const byReference = this.irType(this.checker.getTypeAtLocation(arg)) === "array";
            const symbol = ts.isIdentifier(arg) && byReference ? this.checker.getSymbolAtLocation(arg) : undefined;
            if (symbol) [written, grown].forEach((set) => set.add(symbol));
          }
        }
      }
      if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
    };
    visit(body);
    let changed = false;
    const check = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        const symbol = this.checker.getSymbolAtLocation(node);
        const readsLength =
          ts.isPropertyAccessExpression(node.parent) &&
          node.parent.expression === node &&
          node.parent.name.text === "length";
        if (symbol && (readsLength ? grown : written).has(symbol)) changed = true;
      }
      ts.forEachChild(node, check);
    };
    check(expression);
    return changed;
  }

  private readsAny(node: ts.Node, symbols: ts.Symbol[]): boolean {
    if (ts.isIdentifier(node)) {
      const symbol = this.checker.getSymbolAtLocation(node);
      return symbol !== undefined && symbols.includes(symbol);
    }
    return ts.forEachChild(node, (child) => (this.readsAny(child, symbols) ? true : undefined)) ?? false;
  }

  // ----- expressions -----

  private lowerCondition(expression: ts.Expression): Value {
    const value = this.lowerExpression(expression);
    if (value.type === "boolean") return value;
    if (value.type === "number") return this.builder.emit("truthy", [value], "boolean");
    return this.unsupported(expression);
  }

  private lowerNumber(expression: ts.Expression): Value {
    return this.expectType(expression, this.lowerExpression(expression), "number");
  }

  private lowerExpression(expression: ts.Expression): Value {
    const b = this.builder;
    if (ts.isNumericLiteral(expression))
      return b.constant(Number(expression.text), expression.getText(this.sourceFile));
    if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) {
      return b.emit("string", [], "string", { value: expression.text });
    }
    if (expression.kind === ts.SyntaxKind.TrueKeyword || expression.kind === ts.SyntaxKind.FalseKeyword) {
      return b.emit("bool", [], "boolean", { value: expression.kind === ts.SyntaxKind.TrueKeyword });
    }
    if (
      ts.isParenthesizedExpression(expression) ||
      ts.isAsExpression(expression) ||
      ts.isNonNullExpression(expression) ||
      ts.isSatisfiesExpression(expression) ||
      ts.isTypeAssertionExpression(expression)
    ) {
      return this.lowerExpression(expression.expression);
    }
    if (ts.isIdentifier(expression)) return this.lowerIdentifier(expression);
    if (ts.isPrefixUnaryExpression(expression)) return this.lowerPrefix(expression);
    if (ts.isPostfixUnaryExpression(expression))
      return this.lowerIncrement(expression, expression.operand, expression.operator, false);
    if (ts.isBinaryExpression(expression)) return this.lowerBinary(expression);
    if (ts.isConditionalExpression(expression)) return this.lowerConditional(expression);
    if (ts.isCallExpression(expression)) {
      return this.lowerCall(expression) ?? this.rejectType(expression, "the call's result");
    }
    if (ts.isPropertyAccessExpression(expression)) return this.lowerPropertyAccess(expression);
    if (ts.isElementAccessExpression(expression)) {
      const array = this.lowerExpression(expression.expression);
      if (array.type !== "array") return this.unsupported(expression);
      return this.elementOf(expression.expression, array, this.lowerNumber(expression.argumentExpression));
    }
    if (ts.isObjectLiteralExpression(expression)) return this.lowerObjectLiteral(expression);
    if (ts.isTemplateExpression(expression)) {
      const operands = expression.templateSpans.map((span) => this.lowerExpression(span.expression));
      const quasis = [
        expression.head.rawText ?? expression.head.text,
        ...expression.templateSpans.map((s) => s.literal.rawText ?? s.literal.text),
      ];
      return b.op({
        opcode: "template",
        operands,
        results: [{ type: "string" }],
        attrs: { quasis },
        loc: this.pointAt(expression),
      }).results[0]!;
    }
    if (
      ts.isNewExpression(expression) &&
      ts.isIdentifier(expression.expression) &&
      expression.expression.text === "Function"
    ) {
      this.rejectDynamicCode(expression, "Function");
    }
    if (
      ts.isNewExpression(expression) &&
      ts.isIdentifier(expression.expression) &&
      expression.arguments?.length === 1
    ) {
      const kind = expression.expression.text;
      const length = this.lowerExpression(expression.arguments[0]!);
      if ((kind === "Float64Array" || kind === "Float32Array") && length.type === "number") {
        return this.builder.emit("array.new", [length, this.builder.constant(0)], "array", { kind });
      }
    }
    if (ts.isArrayLiteralExpression(expression) && expression.elements.every((e) => !ts.isSpreadElement(e))) {
      const elements = expression.elements.map((element) => this.lowerNumber(element));
      return this.builder.emit("array.literal", elements, "array", { kind: "Array" });
    }
    return this.unsupported(expression);
  }

  private lowerIdentifier(identifier: ts.Identifier): Value {
    const symbol = this.checker.getSymbolAtLocation(identifier);
    const bound = symbol && this.env.get(symbol);
    if (bound) return bound;
    if (identifier.text === "NaN" || identifier.text === "Infinity") {
      return this.builder.constant(identifier.text === "NaN" ? NaN : Infinity, identifier.text);
    }
    const literal = symbol && this.topLevelNumericConstant(symbol);
    if (literal) {
      return this.builder.emit("const", [], "number", {
        value: literal.value,
        text: identifier.text,
        definedAs: literal.text,
      });
    }
    return this.fail(
      identifier,
      "AD1004",
      `'${identifier.text}' is not a parameter or local of '${this.fn.name}'`,
      "pass the value in as a parameter; top-level `const NAME = <number>` constants can be read directly",
    );
  }

  /** `const G = 9.81` (or `-9.81`) at the top level of a file: a literal that generated code
   * names `G`, declaring it again at the top of the generated module. */
  private topLevelNumericConstant(symbol: ts.Symbol): { value: number; text: string } | undefined {
    const declaration = symbol.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
    const list = declaration.parent;
    if (!(ts.getCombinedNodeFlags(list) & ts.NodeFlags.Const) || !ts.isSourceFile(list.parent.parent)) return undefined;
    const init = declaration.initializer;
    if (ts.isNumericLiteral(init)) return { value: Number(init.text), text: init.getText() };
    if (
      ts.isPrefixUnaryExpression(init) &&
      init.operator === ts.SyntaxKind.MinusToken &&
      ts.isNumericLiteral(init.operand)
    ) {
      return { value: -Number(init.operand.text), text: init.getText() };
    }
    return undefined;
  }

  private lowerPrefix(expression: ts.PrefixUnaryExpression): Value {
    switch (expression.operator) {
      case ts.SyntaxKind.MinusToken:
        return this.builder.emit("neg", [this.lowerNumber(expression.operand)], "number");
      case ts.SyntaxKind.PlusToken:
        return this.lowerNumber(expression.operand);
      case ts.SyntaxKind.ExclamationToken:
        return this.builder.emit("not", [this.lowerCondition(expression.operand)], "boolean");
      case ts.SyntaxKind.PlusPlusToken:
      case ts.SyntaxKind.MinusMinusToken:
        return this.lowerIncrement(expression, expression.operand, expression.operator, true);
      default:
        return this.unsupported(expression);
    }
  }

  /** `x++`, `++x`, `x--`, `--x`: x = x ± 1; the expression is the new value (prefix) or the old one. */
  private lowerIncrement(node: ts.Expression, operand: ts.Expression, operator: ts.SyntaxKind, prefix: boolean): Value {
    const opcode = operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub";
    if (ts.isElementAccessExpression(operand)) {
      let oldValue: Value | undefined;
      const updated = this.writeElement(operand, (old) => {
        oldValue = old();
        return this.builder.emit(opcode, [oldValue, this.builder.constant(1)], "number");
      });
      return prefix ? updated : oldValue!;
    }
    if (ts.isPropertyAccessExpression(operand)) {
      let oldValue: Value | undefined;
      const updated = this.writeField(operand, (old) => {
        oldValue = old();
        return this.builder.emit(opcode, [oldValue, this.builder.constant(1)], "number");
      });
      return prefix ? updated : oldValue!;
    }
    if (!ts.isIdentifier(operand)) return this.unsupported(node);
    const symbol = this.symbolOf(operand);
    const old = this.expectType(operand, this.lowerIdentifier(operand), "number");
    const updated = this.builder.emit(opcode, [old, this.builder.constant(1)], "number");
    updated.name = symbol.name;
    this.env.set(symbol, updated);
    return prefix ? updated : old;
  }

  private lowerBinary(expression: ts.BinaryExpression): Value {
    const operator = expression.operatorToken.kind;
    if (operator === ts.SyntaxKind.EqualsToken || compoundAssignments.has(operator))
      return this.lowerAssignment(expression);
    if (operator === ts.SyntaxKind.AmpersandAmpersandToken || operator === ts.SyntaxKind.BarBarToken) {
      return this.lowerLogical(expression);
    }
    const arithmetic = arithmeticOperators.get(operator);
    const comparison = comparisons.get(operator);
    if (!arithmetic && !comparison) return this.unsupported(expression);
    const left = this.lowerExpression(expression.left);
    const right = this.lowerExpression(expression.right);
    if (operator === ts.SyntaxKind.PlusToken && (left.type === "string" || right.type === "string")) {
      return this.builder.op({
        opcode: "template",
        operands: [left, right],
        results: [{ type: "string" }],
        attrs: { quasis: ["", "", ""] },
        loc: this.pointAt(expression),
      }).results[0]!;
    }
    if (comparison) {
      // Numbers, strings and booleans compare with one another as in JavaScript.
      this.expectType(expression.right, right, left.type);
      return this.builder.emit(comparison, [left, right], "boolean");
    }
    this.expectType(expression.left, left, "number");
    this.expectType(expression.right, right, "number");
    return this.builder.emit(arithmetic!, [left, right], "number");
  }

  private lowerAssignment(expression: ts.BinaryExpression): Value {
    const target = expression.left;
    const opcode = compoundAssignments.get(expression.operatorToken.kind);
    if (ts.isElementAccessExpression(target)) {
      return this.writeElement(target, (old) => {
        const right = this.lowerNumber(expression.right);
        return opcode ? this.builder.emit(opcode, [old(), right], "number") : right;
      });
    }
    if (ts.isPropertyAccessExpression(target)) {
      return this.writeField(target, (old) => {
        const right = this.lowerExpression(expression.right);
        return opcode
          ? this.builder.emit(opcode, [old(), this.expectType(expression.right, right, "number")], "number")
          : right;
      });
    }
    if (!ts.isIdentifier(target)) {
      return this.fail(
        target,
        "AD1004",
        "only local variables, fields and array elements can be assigned",
        "assign to a local variable",
      );
    }
    const symbol = this.symbolOf(target);
    const right = this.lowerExpression(expression.right);
    if (!opcode) {
      this.bind(symbol, right);
      return right;
    }
    const old = this.expectType(target, this.lowerIdentifier(target), "number");
    const updated = this.builder.emit(opcode, [old, this.expectType(expression.right, right, "number")], "number");
    this.bind(symbol, updated);
    return updated;
  }

  /**
   * `a[i] = ...`, `a[i] += ...`, `a[i]++`: the new value is computed by `update`, which may read
   * the old element through `old`. Only arrays the function created may be written: a parameter
   * is the caller's array, which the generated gradient must leave unchanged.
   */
  private writeElement(target: ts.ElementAccessExpression, update: (old: () => Value) => Value): Value {
    const array = this.lowerExpression(target.expression);
    if (array.type !== "array") return this.unsupported(target);
    this.rejectParameterWrite(target, target.expression, array);
    const index = this.lowerNumber(target.argumentExpression);
    const value = update(() => this.readElement(array, index));
    // `a[a.length] = v` appends: the array's length changes, as with push.
    const arraySymbol = ts.isIdentifier(target.expression)
      ? this.checker.getSymbolAtLocation(target.expression)
      : undefined;
    const grows = arraySymbol !== undefined && this.readsAny(target.argumentExpression, [arraySymbol]);
    this.builder.op({ opcode: "array.set", operands: [array, index, value], attrs: grows ? { grows } : {} });
    this.elementReads.clear();
    return value;
  }

  /** `a[i]`: a number, a row of an array of arrays, or an object of an array of objects. */
  private elementOf(arrayExpression: ts.Expression, array: Value, index: Value): Value {
    const type = this.checker.getTypeAtLocation(arrayExpression);
    if (this.rowKind(type)) return this.readRow(array, index);
    const fields = this.types.elementFields(type);
    if (fields) return this.makeObject(new Map(fields.map((field) => [field, this.readElement(array, index, field)])));
    return this.readElement(array, index);
  }

  /**
   * `a[i]`: reading the same element again, in the same region with no write in between, reuses
   * the first read (`a[i] * a[i]` reads once, and the reverse sweep keeps one value).
   */
  private readElement(array: Value, index: Value, field?: string): Value {
    const literal = this.builder.region.ops.find((op) => op.results[0] === index && op.opcode === "const");
    const key = `${array.id}[${literal ? `=${String(literal.attrs.value)}` : index.id}]${field === undefined ? "" : `.${field}`}`;
    const cached = this.elementReads.get(key);
    if (cached && cached.region === this.builder.region) return cached.value;
    const value = this.builder.emit("array.get", [array, index], "number", field === undefined ? undefined : { field });
    this.elementReads.set(key, { region: this.builder.region, value });
    return value;
  }

  private rejectParameterWrite(node: ts.Node, target: ts.Expression, array: Value): void {
    if (!this.parameterArrays.has(array)) return;
    const name = target.getText(this.sourceFile);
    this.fail(
      node,
      "AD1004",
      `'${name}' is a parameter: writing into it would change the array the caller passed`,
      `copy it first (const copy = ${name}.slice()) and write into the copy`,
    );
  }

  /** `m[i]` of an array of arrays: a row, which is the parameter's as much as the parameter is. */
  private readRow(array: Value, index: Value): Value {
    const row = this.builder.emit("array.row", [array, index], "array");
    if (this.parameterArrays.has(array)) this.parameterArrays.add(row);
    return row;
  }

  /** Runs a nested lowering that must not assign variables (conditional parts of expressions). */
  private withoutAssignments<R>(node: ts.Node, lower: () => R): R {
    const before = new Map(this.env);
    const result = lower();
    // Only variables that existed before count: an inlined helper binds its own parameters.
    if ([...before].some(([symbol, value]) => this.env.get(symbol) !== value)) {
      this.fail(
        node,
        "AD1004",
        "assignments inside conditional expressions are not supported",
        "assign in a separate statement",
      );
    }
    return result;
  }

  private lowerLogical(expression: ts.BinaryExpression): Value {
    if (this.irType(this.checker.getTypeAtLocation(expression)) !== "boolean") {
      return this.fail(
        expression,
        "AD1004",
        "'&&' and '||' are supported on conditions only, not to pick between numbers",
        "compare explicitly (x !== 0) or use a ternary",
      );
    }
    const isAnd = expression.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken;
    const left = this.lowerCondition(expression.left);
    const rightRegion = emptyRegion();
    const right = this.builder.inRegion(rightRegion, () =>
      this.withoutAssignments(expression.right, () => this.lowerCondition(expression.right)),
    );
    const pure = rightRegion.ops.every((op) => op.opcode !== "call" && op.opcode !== "if");
    if (pure) {
      this.builder.region.ops.push(...rightRegion.ops);
      return this.builder.emit(isAnd ? "and" : "or", [left, right], "boolean");
    }
    // The right side has effects: keep JavaScript's short-circuit as an `if`.
    rightRegion.yields = [right];
    const shortCircuit = emptyRegion();
    shortCircuit.yields = [
      this.builder.inRegion(shortCircuit, () => this.builder.emit("bool", [], "boolean", { value: !isAnd })),
    ];
    return this.builder.op({
      opcode: "if",
      operands: [left],
      regions: isAnd ? [rightRegion, shortCircuit] : [shortCircuit, rightRegion],
      results: [{ type: "boolean" }],
    }).results[0]!;
  }

  private lowerConditional(expression: ts.ConditionalExpression): Value {
    const condition = this.lowerCondition(expression.condition);
    const arm = (branch: ts.Expression) => {
      const region = emptyRegion();
      const value = this.builder.inRegion(region, () =>
        this.withoutAssignments(branch, () => this.lowerExpression(branch)),
      );
      region.yields = [value];
      return region;
    };
    const thenRegion = arm(expression.whenTrue);
    const elseRegion = arm(expression.whenFalse);
    const values: [Value, Value] = [thenRegion.yields[0]!, elseRegion.yields[0]!];
    this.expectType(expression.whenFalse, values[1], values[0].type);
    return this.choose(condition, [thenRegion, elseRegion], values, () =>
      this.fail(
        expression,
        "AD1004",
        "a conditional expression choosing between arrays, or objects with array fields or different fields, is not supported yet",
        "choose between the elements or fields instead, or use an if statement",
      ),
    );
  }

  /**
   * An `if` op whose branches each end with one value of the same type; returns the chosen one.
   * An object is chosen leaf by leaf and built again after the `if` (objects never cross
   * regions, see src/ir/types.ts). Arrays, and objects of different fields, go to `reject`.
   */
  private choose(condition: Value, regions: [Region, Region], values: [Value, Value], reject: () => never): Value {
    const object = values[0].type === "object";
    const paths = object ? [...this.fieldsOf(values[0]).keys()] : [undefined];
    if (object && this.fieldsOf(values[1]).size !== paths.length) reject();
    const leaves = values.map((value) =>
      paths.map((path) => (path === undefined ? value : this.fieldsOf(value).get(path))),
    );
    if (leaves.some((list) => list.some((leaf) => leaf === undefined || leaf.type === "array"))) reject();
    regions.forEach((region, k) => (region.yields = leaves[k] as Value[]));
    const results = this.builder.op({
      opcode: "if",
      operands: [condition],
      regions,
      results: regions[0].yields.map((leaf) => ({ type: leaf.type })),
    }).results;
    return object ? this.makeObject(new Map(paths.map((path, i) => [path!, results[i]!]))) : results[0]!;
  }

  private lowerPropertyAccess(expression: ts.PropertyAccessExpression): Value {
    if (
      expression.name.text === "length" &&
      this.irType(this.checker.getTypeAtLocation(expression.expression)) === "array"
    ) {
      return this.builder.emit("array.length", [this.lowerExpression(expression.expression)], "number");
    }
    if (ts.isIdentifier(expression.expression) && expression.expression.text === "Math") {
      const value = mathConstants.get(expression.name.text);
      if (value !== undefined) return this.builder.constant(value, expression.getText(this.sourceFile));
    }
    if (this.irType(this.checker.getTypeAtLocation(expression.expression)) === "object") {
      return this.field(this.lowerExpression(expression.expression), expression.name.text, expression.name);
    }
    return this.unsupported(expression);
  }

  private rejectDynamicCode(node: ts.Node, name: string): never {
    return this.fail(
      node,
      "AD1006",
      `'${name}' runs code the compiler cannot see`,
      "write the computation directly in the differentiable function",
    );
  }

  /** Returns the call's result, or undefined for a call returning nothing. */
  private lowerCall(call: ts.CallExpression): Value | undefined {
    const callee = call.expression;
    if (call.arguments.some((arg) => ts.isSpreadElement(arg))) return this.unsupported(call);
    if (ts.isIdentifier(callee) && (callee.text === "eval" || callee.text === "Function"))
      this.rejectDynamicCode(call, callee.text);
    if (
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      callee.expression.text === "Math"
    ) {
      const name = callee.name.text;
      const p = primitive(name);
      if (p && p.syntax.kind === "call" && p.syntax.callee === `Math.${name}`) {
        const args = call.arguments.map((arg) => this.lowerNumber(arg));
        if (typeof p.arity === "number" ? args.length !== p.arity : args.length < p.arity.atLeast)
          return this.unsupported(call);
        return this.builder.emit(name, args, "number");
      }
      if (name === "pow" && call.arguments.length === 2) {
        return this.builder.emit(
          "pow",
          call.arguments.map((arg) => this.lowerNumber(arg)),
          "number",
        );
      }
    }
    if (ts.isNewExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "Function") {
      this.rejectDynamicCode(call, "Function");
    }
    if (ts.isIdentifier(callee) && this.isFromPackage(callee, "stopGradient")) {
      if (call.arguments.length !== 1) return this.unsupported(call);
      return this.builder.emit("stop", [this.lowerNumber(call.arguments[0]!)], "number");
    }
    const arrayCreation = this.lowerArrayMethod(call);
    if (arrayCreation) return arrayCreation;
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === "push") {
      const array = this.lowerExpression(callee.expression);
      if (array.type === "array") return this.lowerPush(call, callee.expression, array);
    }
    const receiverType = ts.isPropertyAccessExpression(callee)
      ? this.irType(this.checker.getTypeAtLocation(callee.expression))
      : undefined;
    if (
      ts.isPropertyAccessExpression(callee) &&
      (receiverType === "number" || receiverType === "string" || receiverType === "boolean")
    ) {
      // A method of a number, string or boolean (x.toFixed(2), label.toUpperCase()): not differentiated.
      const operands = [callee.expression, ...call.arguments].map((arg) => this.lowerExpression(arg));
      const returned = this.irType(this.checker.getTypeAtLocation(call));
      if (returned === undefined) return this.rejectType(call, `the result of '${callee.getText(this.sourceFile)}'`);
      const stringifies = receiverType === "number" && stringifyingMethods.has(callee.name.text);
      return this.builder.op({
        opcode: "call",
        operands,
        results: returned === "void" ? [] : [{ type: returned }],
        attrs: { callee: callee.name.text, method: true, ...(stringifies ? { stringifies } : {}) },
        loc: this.pointAt(call),
      }).results[0];
    }
    const calleeName = callee.getText(this.sourceFile);
    const derivative = ts.isIdentifier(callee) ? this.derivativeOf(callee) : undefined;
    if (derivative) return this.lowerCallWithDerivative(call, callee as ts.Identifier, derivative);
    const helper = this.helperOf(callee);
    if (helper) return this.inlineCall(call, calleeName, helper);
    if (!this.isGlobalFunction(callee)) {
      const hasSource = this.declarationsOf(callee).some(
        (d) => ts.isFunctionLike(d) && "body" in d && d.body !== undefined,
      );
      return this.fail(
        call,
        hasSource ? "AD1004" : "AD1005",
        hasSource
          ? `calls through '${calleeName}' (a method, or a function value) are not supported yet`
          : `'${calleeName}' has no source the compiler can read and no derivative rule`,
        hasSource
          ? "call a function declared with `function` or `const f = (...) => ...` instead"
          : `give it a derivative: an exported function tagged /** @derivative ${calleeName} */ taking its parameters and the cotangent (see the README), or compute the value outside and pass it in`,
      );
    }
    const args = call.arguments.map((arg) => this.lowerExpression(arg));
    const returned = this.irType(this.checker.getTypeAtLocation(call));
    if (returned === undefined) return this.rejectType(call, `the result of '${calleeName}'`);
    const stringifies = calleeName === "String";
    const op = this.builder.op({
      opcode: "call",
      operands: args,
      results: returned === "void" ? [] : [{ type: returned }],
      attrs: stringifies ? { callee: calleeName, stringifies } : { callee: calleeName },
      loc: this.pointAt(call),
    });
    return op.results[0];
  }

  /**
   * `new Array(n).fill(c)`, `new Float64Array(n).fill(c)` (a new filled array) and `xs.slice()`
   * (a copy); undefined for other calls.
   */
  private lowerArrayMethod(call: ts.CallExpression): Value | undefined {
    const callee = call.expression;
    if (callee.getText(this.sourceFile) === "Array.from") return this.lowerArrayFrom(call);
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const method = callee.name.text;
    const receiver = callee.expression;
    const kind = this.arrayKind(this.checker.getTypeAtLocation(call));
    if (!kind) return undefined;
    if (
      method === "fill" &&
      call.arguments.length === 1 &&
      ts.isNewExpression(receiver) &&
      receiver.arguments?.length === 1
    ) {
      const constructor = receiver.expression.getText(this.sourceFile);
      if (constructor === "Array" || constructor === "Float64Array" || constructor === "Float32Array") {
        const fill = call.arguments[0]!;
        const literal =
          ts.isNumericLiteral(fill) || (ts.isPrefixUnaryExpression(fill) && ts.isNumericLiteral(fill.operand));
        if (!literal)
          this.fail(
            fill,
            "AD1004",
            "arrays can be filled with a number literal only",
            "fill with 0 and assign the elements in a loop",
          );
        const length = this.lowerNumber(receiver.arguments[0]!);
        return this.builder.emit("array.new", [length, this.lowerNumber(fill)], "array", { kind });
      }
    }
    if (method === "slice" && call.arguments.length === 0) {
      const source = this.lowerExpression(receiver);
      if (source.type === "array") return this.builder.emit("array.copy", [source], "array", { kind });
    }
    return undefined;
  }

  /** `xs.push(a, b)`: each value is written at the array's current length (`xs[xs.length] = a`). */
  private lowerPush(call: ts.CallExpression, target: ts.Expression, array: Value): Value {
    this.rejectParameterWrite(call, target, array);
    for (const argument of call.arguments) {
      const value = this.lowerNumber(argument);
      const index = this.builder.emit("array.length", [array], "number");
      this.builder.op({ opcode: "array.set", operands: [array, index, value], attrs: { push: true, grows: true } });
    }
    this.elementReads.clear();
    return this.builder.emit("array.length", [array], "number");
  }

  /** `Array.from({ length: n }, (_, i) => f(i))`: a new array filled by a counted loop. */
  private lowerArrayFrom(call: ts.CallExpression): Value | undefined {
    const [shape, fill] = call.arguments;
    const lengthProperty =
      shape && ts.isObjectLiteralExpression(shape) && shape.properties.length === 1 ? shape.properties[0] : undefined;
    if (
      !lengthProperty ||
      !ts.isPropertyAssignment(lengthProperty) ||
      lengthProperty.name.getText(this.sourceFile) !== "length"
    ) {
      return undefined;
    }
    if (fill && !(ts.isArrowFunction(fill) && !ts.isBlock(fill.body) && fill.parameters.length <= 2)) {
      return this.fail(
        fill,
        "AD1004",
        "Array.from is supported with an arrow function returning an expression",
        "write (_, i) => expression",
      );
    }
    const length = this.lowerNumber(lengthProperty.initializer);
    const array = this.builder.emit("array.new", [length, this.builder.constant(0)], "array", { kind: "Array" });
    if (!fill) return array;
    const indexParameter = fill.parameters[1];
    const counter =
      indexParameter && ts.isIdentifier(indexParameter.name) ? this.symbolOf(indexParameter.name) : undefined;
    this.emitCountedLoop(
      call,
      counter,
      counter?.name ?? "i",
      this.builder.constant(0),
      length,
      1,
      "lt",
      [],
      (index) => {
        this.builder.op({
          opcode: "array.set",
          operands: [array, index, this.lowerNumber(fill.body as ts.Expression)],
        });
      },
    );
    return array;
  }

  /**
   * The function a plain call names, when its source is in the program: a function declaration
   * or `const f = (...) => ...` in this file or imported from another file of the project.
   */
  private helperOf(callee: ts.Expression): FunctionNode | undefined {
    if (!ts.isIdentifier(callee)) return undefined;
    let symbol = this.checker.getSymbolAtLocation(callee);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || declaration.getSourceFile().isDeclarationFile) return undefined;
    if (ts.isFunctionDeclaration(declaration) && declaration.body) return declaration;
    if (ts.isVariableDeclaration(declaration) && ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) {
      const init = declaration.initializer;
      if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return init;
    }
    return undefined;
  }

  /**
   * A call to a helper, inlined: its parameters are bound to the arguments and its body is
   * lowered in place (a helper writing into an array argument writes into the caller's array).
   * Its statements count as the call's, for comments and locations.
   */
  private inlineCall(call: ts.CallExpression, name: string, helper: FunctionNode): Value | undefined {
    if (this.inlined.includes(helper)) {
      // The helper whose body is being lowered calls itself, or a function that called it.
      if (this.inlined[this.inlined.length - 1] !== helper) {
        return this.fail(
          call,
          "AD1004",
          `functions calling each other in a cycle ('${name}' is called again) are not supported yet`,
          "merge them into one function that calls itself and mark it @differentiable, or write the recursion as a loop",
        );
      }
      return this.fail(
        call,
        "AD1004",
        `recursive calls of the helper '${name}' are not supported`,
        `mark '${name}' itself @differentiable (a differentiable function may call itself), or write the recursion as a loop`,
      );
    }
    if (helper.asteriskToken || ts.getModifiers(helper)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword))
      return this.unsupported(call);
    if (
      helper.parameters.length !== call.arguments.length ||
      helper.parameters.some((p) => !ts.isIdentifier(p.name) || p.dotDotDotToken || p.initializer)
    ) {
      return this.fail(
        call,
        "AD1004",
        `'${name}' takes optional, default, rest or destructured parameters, which are not supported yet`,
        "pass every argument to plain parameters",
      );
    }
    const args = call.arguments.map((arg) => this.lowerExpression(arg));
    const saved = {
      sourceFile: this.sourceFile,
      loops: this.loops.splice(0),
      returnFlags: this.returnFlagSymbols,
      returnType: this.returnType,
    };
    this.returnType =
      this.irType(this.checker.getReturnTypeOfSignature(this.checker.getSignatureFromDeclaration(helper)!)) ?? "number";
    this.returnFlagSymbols = undefined;
    this.inlined.push(helper);
    this.sourceFile = helper.getSourceFile();
    helper.parameters.forEach((p, i) => this.bind(this.symbolOf(p.name), args[i]!));
    const body = helper.body!;
    const outcome = ts.isBlock(body) ? this.lowerStatements(body.statements) : this.lowerExpression(body);
    // The helper's parameters and locals end with the call: a second call starts afresh (its
    // loop counter is not a variable an earlier call left behind).
    for (const symbol of [...this.env.keys()]) {
      const declaration = symbol.valueDeclaration;
      if (
        declaration &&
        declaration.getSourceFile() === helper.getSourceFile() &&
        declaration.pos >= helper.pos &&
        declaration.end <= helper.end
      ) {
        this.env.delete(symbol);
      }
    }
    this.inlined.pop();
    this.sourceFile = saved.sourceFile;
    this.loops.push(...saved.loops);
    this.returnFlagSymbols = saved.returnFlags;
    this.returnType = saved.returnType;
    return typeof outcome === "object" ? outcome : undefined;
  }

  /**
   * The derivative of a function called by name: its `@derivative` rule, or, for the function
   * being differentiated calling itself, the gradient being generated (the call's reverse runs
   * it again on the call's arguments: recursion is checkpointed at each call).
   */
  private derivativeOf(callee: ts.Identifier): CallDerivative | undefined {
    const local = this.checker.getSymbolAtLocation(callee);
    if (!local) return undefined;
    const target = resolvedSymbol(this.checker, local);
    const rule = this.rules.get(target);
    const declaration = target.valueDeclaration;
    if (rule && declaration && ts.isFunctionDeclaration(declaration))
      return { name: rule.name, kind: "vjp", declaration, rule: rule.node };
    const self = this.fn.node;
    const isSelf =
      declaration === self ||
      (declaration !== undefined && ts.isVariableDeclaration(declaration) && declaration.initializer === self);
    if (isSelf && this.inlined.length === 0)
      return { name: `${this.fn.name}Grad`, kind: "grad", declaration: self, wrt: this.fn.wrt };
    // Another recursive differentiable function of this file: its gradient is generated beside this one.
    const other =
      declaration &&
      findDifferentiableFunctions(self.getSourceFile()).find(
        (f) => !(f instanceof DiagnosticError) && f.node === declaration,
      );
    if (!other || other instanceof DiagnosticError || !callsItself(this.checker, other.node, target)) return undefined;
    return { name: `${other.name}Grad`, kind: "grad", declaration: other.node, wrt: other.wrt };
  }

  /** A call kept as a call: the forward sweep calls the function, the reverse its derivative. */
  private lowerCallWithDerivative(call: ts.CallExpression, callee: ts.Identifier, derivative: CallDerivative): Value {
    const name = callee.text;
    if (derivative.declaration === this.fn.node && this.returnType !== "number") {
      this.fail(
        call,
        "AD1004",
        `recursive calls of '${name}', which does not return a number, are not supported yet`,
        "write the recursion as a loop",
      );
    }
    const returned = this.irType(this.checker.getTypeAtLocation(call));
    if (returned !== "number") {
      this.fail(
        call,
        "AD1009",
        `'${name}' has a derivative rule but returns '${this.checker.typeToString(this.checker.getTypeAtLocation(call))}'; rules are supported for functions returning a number`,
        "return a number",
      );
    }
    const reference = referenceTo(this.checker, callee);
    if (reference === undefined) {
      this.fail(
        call,
        "AD1004",
        `'${name}' is not exported, and the generated gradient calls it`,
        `export '${name}' from its file`,
      );
    }
    if (reference !== "global") this.references.push(reference);
    if (derivative.rule) {
      const ruleReference = referenceTo(this.checker, derivative.rule.name!);
      if (ruleReference && ruleReference !== "global") this.references.push(ruleReference);
    }
    const wrt = derivative.wrt?.map((entry) => entry.name);
    for (const p of derivative.declaration.parameters) {
      const type = this.checker.getTypeAtLocation(p);
      if (this.irType(type) === "object" || this.rowKind(type) || this.types.elementFields(type)) {
        this.fail(
          call,
          derivative.rule ? "AD1013" : "AD1004",
          `'${name}' takes '${p.name.getText()}', an object or an array of arrays or objects: calls kept as calls (recursion, @derivative rules) take numbers and numeric arrays only, for now`,
          "pass the numbers and flat arrays the function needs as separate parameters",
        );
      }
    }
    const partials = derivative.declaration.parameters.map((p) =>
      ts.isIdentifier(p.name) && hasCotangent(this.checker, p) && (wrt === undefined || wrt.includes(p.name.text))
        ? p.name.text
        : "",
    );
    const args = call.arguments.map((arg, i) => {
      const value = this.lowerExpression(arg);
      if (value.type === "array" && partials[i] !== "" && !this.parameterArrays.has(value)) {
        this.fail(
          arg,
          "AD1004",
          `only parameter arrays can be passed to '${name}', whose derivative the reverse sweep calls with the same arrays`,
          "pass a parameter, or copy what the function needs into numbers",
        );
      }
      return value;
    });
    return this.builder.op({
      opcode: "call",
      operands: args,
      results: [{ type: "number" }],
      attrs: {
        callee: reference === "global" ? name : reference.name,
        derivative: derivative.name,
        derivativeKind: derivative.kind,
        partials,
      },
      loc: this.pointAt(call),
    }).results[0]!;
  }

  /** True for `name` imported from this package (`import { stopGradient } from "adjoint"`). */
  private isFromPackage(identifier: ts.Identifier, name: string): boolean {
    const symbol = this.checker.getSymbolAtLocation(identifier);
    if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return false;
    const specifier = symbol.declarations?.[0];
    if (!specifier || !ts.isImportSpecifier(specifier)) return false;
    const module = specifier.parent.parent.parent.moduleSpecifier;
    return (
      ts.isStringLiteral(module) &&
      module.text === "adjoint" &&
      (specifier.propertyName ?? specifier.name).text === name
    );
  }

  private declarationsOf(callee: ts.Expression): ts.Declaration[] {
    return this.checker.getSymbolAtLocation(callee)?.declarations ?? [];
  }

  /** A function of the standard library or the environment's typings (console.log, Date.now). */
  private isGlobalFunction(callee: ts.Expression): boolean {
    let root: ts.Expression = callee;
    while (ts.isPropertyAccessExpression(root)) root = root.expression;
    if (!ts.isIdentifier(root)) return false;
    const symbol = this.checker.getSymbolAtLocation(root);
    if (!symbol || symbol.flags & ts.SymbolFlags.Alias) return false;
    return (symbol.declarations ?? []).every((d) => d.getSourceFile().isDeclarationFile);
  }
}
