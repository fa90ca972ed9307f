/**
 * The state one function's lowering shares between constructs: the type checker, the builder
 * the IR is emitted with, the value of every variable, the loops and inlined helpers being
 * lowered; and the helpers every construct uses for diagnostics and types.
 *
 * The lowering of each construct is a module of functions taking this context first
 * (statements.ts, control-flow.ts, loops.ts, expressions.ts, calls.ts, arrays.ts, objects.ts);
 * lower.ts makes the context and lowers the function's parameters and body.
 */
import { loweringHints } from "../backend/naming.js";
import { ts } from "ts-morph";
import { type DiagnosticCode, DiagnosticError } from "../diagnostics.js";
import { Builder, emptyRegion, type OpSpec, ValueFactory } from "../ir/builder.js";
import type { ArrayKind, Op, Region, SourceLocation, Type, Value } from "../ir/types.js";
import type { DifferentiableFunction, FunctionNode } from "./annotations.js";
import type { ThisBinding } from "./classes.js";
import type { DerivativeRule, ExternalReference } from "./derivatives.js";
import type { Callable, FunctionValue } from "./functions.js";
import type { SpecialisedBody, SpecialisedCopies } from "./package-recursion.js";
import { reportedInUserCode } from "./package-diagnostics.js";
import { isObjectArrayOf } from "./object-arrays.js";
import { locate } from "./program.js";
import { statementSummary } from "./syntax.js";
import { TypeClassifier } from "./types.js";
import { explainType, explainUnsupported } from "./unsupported-constructs.js";

/** What lowering statements leads to: a returned value, leaving the loop iteration, throwing,
 * or falling through. */
export type Outcome = Value | "exits" | "throws" | undefined;

export interface LoopContext {
  node: ts.IterationStatement;
  label?: string;
  /** The flag `break` sets. */
  broken?: ts.Symbol;
  /** The flag `continue label` sets from inside an inner loop (see labeled-continue.ts). */
  continued?: ts.Symbol;
  /** Lowers the update of a `for` loop, which ends every iteration and `continue`. */
  update?: () => void;
}

/** The variables that record a return from inside a loop, carried out of every loop. */
export interface ReturnFlags {
  returned: ts.Symbol;
  returnValue: ts.Symbol;
}

const withArticle = (type: Type) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** The part of the context that lowering a body changes, and that its end restores: the file
 * read, the loops being lowered, the return flags, what `return` gives, and what `this` is. */
export interface Frame {
  sourceFile: ts.SourceFile;
  loops: LoopContext[];
  returnFlags: ReturnFlags | undefined;
  returnType: Type;
  thisBinding: ThisBinding | undefined;
}

export class LoweringContext {
  readonly values = new ValueFactory();
  readonly builder: Builder;
  /** The function's top region: what is defined at its start, every region can read. */
  readonly body: Region = emptyRegion();
  /** How many ops at the start of `body` build module-level structures (see modules.ts). */
  prologueLength = 0;
  readonly types: TypeClassifier;
  /** The value of each variable at the point being lowered; each branch and loop body has its own. */
  env = new Map<ts.Symbol, Value>();
  readonly parameterArrays = new Set<Value>();
  /** `int` parameters and counters of counted loops. */
  readonly integerSymbols = new Set<ts.Symbol>();
  /** The loops being lowered, innermost last. */
  readonly loops: LoopContext[] = [];
  readonly syntheticSymbols = new Set<ts.Symbol>();
  /** What `return` gives in the function (or inlined helper) being lowered. */
  returnType: Type = "number";
  /** The helpers being inlined, innermost last. */
  readonly inlined: FunctionNode[] = [];
  returnFlagSymbols?: ReturnFlags;
  /** What `this` is in the class member being inlined (see classes.ts). */
  thisBinding?: ThisBinding;
  /** Element reads since the last write into an array (see readElement). */
  readonly elementReads = new Map<string, { region: Region; value: Value }>();
  /** The leaves of every object value, by dotted path (see makeObject). */
  readonly objectFields = new Map<Value, Map<string, Value>>();
  /** Objects built by an object literal without spreads: a field they lack is undefined (see
   * defaults.ts), where a parameter's object may hold optional fields its leaves leave out. */
  readonly literalObjects = new Set<Value>();
  /** Functions of the user's program that the generated code calls, and how it reaches them. */
  readonly references: ExternalReference[] = [];
  /** The function each function-typed variable holds, known at compile time (see functions.ts). */
  readonly functions = new Map<ts.Symbol, Callable>();
  /** The function values being inlined, innermost last (see functions.ts). */
  readonly calledFunctions: FunctionValue[] = [];
  /** The optional parameters of inlined functions that their call leaves out (see functions.ts). */
  readonly undefinedParameters = new Set<ts.Symbol>();
  /** The copies of recursive package functions the function calls (see package-recursion.ts). */
  specialisedCopies?: SpecialisedCopies;
  /** Set while lowering such a copy (see package-recursion.ts). */
  specialised?: SpecialisedBody;

  constructor(
    readonly checker: ts.TypeChecker,
    /** The file being lowered: the function's, or a called helper's while it is inlined. */
    public sourceFile: ts.SourceFile,
    readonly fn: DifferentiableFunction,
    readonly rules: ReadonlyMap<ts.Symbol, DerivativeRule>,
  ) {
    this.builder = new Builder(this.values, this.body);
    this.types = new TypeClassifier(checker);
  }

  /** The frame being lowered, to restore later (see restoreFrame). */
  frame(): Frame {
    return {
      sourceFile: this.sourceFile,
      loops: [...this.loops],
      returnFlags: this.returnFlagSymbols,
      returnType: this.returnType,
      thisBinding: this.thisBinding,
    };
  }

  restoreFrame(frame: Frame): void {
    this.sourceFile = frame.sourceFile;
    this.loops.splice(0, this.loops.length, ...frame.loops);
    this.returnFlagSymbols = frame.returnFlags;
    this.returnType = frame.returnType;
    this.thisBinding = frame.thisBinding;
  }

  /** Starts lowering the body of `node` (a function inlined where it is called) in place: in its
   * file, outside every loop, with its own return flags and return type. Returns the frame it
   * left, which the end of the body restores. */
  enterBody(node: ts.Node, returnType: Type): Frame {
    const frame = this.frame();
    this.sourceFile = node.getSourceFile();
    this.loops.splice(0);
    this.returnFlagSymbols = undefined;
    this.returnType = returnType;
    return frame;
  }

  /** The innermost loop being lowered (an error outside loops: a lowering bug). */
  innermostLoop(): LoopContext {
    const loop = this.loops.at(-1);
    if (!loop) throw new Error("an iteration ends outside a loop");
    return loop;
  }

  /** The function whose body is being lowered: the inlined helper, or the differentiated function. */
  owner(): FunctionNode {
    return this.inlined[this.inlined.length - 1] ?? this.fn.node;
  }

  // ----- diagnostics -----

  fail(node: ts.Node, code: DiagnosticCode, message: string, hint: string): never {
    return this.failAt(node.getStart(this.sourceFile), code, message, hint);
  }

  /** Every diagnostic names the function, in its message or after it. */
  failAt(position: number, code: DiagnosticCode, message: string, hint: string): never {
    const located = locate(this.sourceFile, position);
    const reported = reportedInUserCode(this, located, message);
    const where = reported.message.includes(`'${this.fn.name}'`) ? [] : [`in '${this.fn.name}'`];
    // In a helper of another file of the project, say which call of the function led there.
    const call = this.builder.loc;
    if (call && reported.file === located.file && this.sourceFile !== this.fn.node.getSourceFile())
      where.push(`called at ${call.file}:${call.line}`);
    throw new DiagnosticError({
      code,
      severity: "error",
      hint,
      ...reported,
      message: where.length > 0 ? `${reported.message} (${where.join(", ")})` : reported.message,
    });
  }

  /** The function's name as written: the declaration's name or the `const` it is assigned to. */
  nameNode(): ts.Node {
    const node = this.fn.node;
    if (ts.isFunctionDeclaration(node) && node.name) return node.name;
    return ts.isVariableDeclaration(node.parent) ? node.parent.name : node;
  }

  unsupported(node: ts.Node): never {
    const isStatement = ts.isStatement(node) || ts.isVariableDeclarationList(node);
    const { code, message, hint } = explainUnsupported(this.checker, node, isStatement);
    return this.fail(node, code, message, hint);
  }

  rejectLoop(node: ts.Node, reason: string): never {
    return this.fail(
      node,
      "AD1003",
      `this loop is not supported yet: ${reason}`,
      "write it as for (let i = start; i < end; i++) { ... } with a bound the body does not change, or as for (const v of array)",
    );
  }

  rejectType(node: ts.Node, what: string): never {
    const type = this.checker.getTypeAtLocation(node);
    const { why, hint } = explainType(this.checker, type);
    return this.fail(node, "AD1009", `${what} has type '${this.checker.typeToString(type)}', which ${why}`, hint);
  }

  // ----- locations -----

  location(node: ts.Node): SourceLocation {
    // Inside an inlined helper, everything belongs to the call in the user's function.
    if (this.inlined.length > 0 && this.builder.loc) return this.builder.loc;
    const { file, line, column } = locate(this.sourceFile, node.getStart(this.sourceFile));
    return { file, line, column, statement: statementSummary(node, this.sourceFile) };
  }

  /** The current statement's location, narrowed to `node`: for ops a diagnostic may point at. */
  pointAt(node: ts.Node): SourceLocation {
    if (this.inlined.length > 0 && this.builder.loc) return this.builder.loc;
    const { line, column } = locate(this.sourceFile, node.getStart(this.sourceFile));
    return { ...(this.builder.loc ?? this.location(node)), line, column };
  }

  // ----- symbols and types -----

  symbolOf(node: ts.Node): ts.Symbol {
    const symbol = this.checker.getSymbolAtLocation(node);
    if (!symbol) this.unsupported(node);
    return symbol;
  }

  irType(type: ts.Type): Type | undefined {
    return this.types.irType(type);
  }

  arrayKind(type: ts.Type): ArrayKind | undefined {
    return this.types.arrayKind(type);
  }

  rowKind(type: ts.Type): ArrayKind | undefined {
    return this.types.rowKind(type);
  }

  typeOf(node: ts.Node, what: string): Type {
    const irType = this.irType(this.checker.getTypeAtLocation(node));
    return irType && irType !== "void" ? irType : this.rejectType(node, what);
  }

  expectType(node: ts.Node, value: Value, type: Type): Value {
    if (value.type !== type && !isObjectArrayOf(this, node, value, type)) {
      const declaredAny = this.checker.getTypeAtLocation(node).flags & ts.TypeFlags.Any;
      this.fail(
        node,
        "AD1009",
        `${withArticle(value.type)} is used here where ${withArticle(type)} is expected${declaredAny ? `: '${node.getText(this.sourceFile)}' has type 'any', which the compiler reads as a number` : ""}`,
        declaredAny ? "declare the value's type" : `give it ${withArticle(type)}, converted explicitly`,
      );
    }
    return value;
  }

  // ----- variables -----

  bind(symbol: ts.Symbol, value: Value): void {
    if (value.name === undefined) value.name = symbol.name;
    this.env.set(symbol, value);
  }

  /** A variable the lowering introduces (a loop's `broken` flag): a symbol of no declaration. */
  synthetic(name: string): ts.Symbol {
    const symbol = { name, flags: 0, escapedName: name } as unknown as ts.Symbol;
    this.syntheticSymbols.add(symbol);
    return symbol;
  }

  /** The variables that record a return from inside a loop, carried out of every loop. */
  returnFlags(): ReturnFlags {
    if (!this.returnFlagSymbols) {
      this.returnFlagSymbols = {
        returned: this.synthetic(loweringHints.returned),
        returnValue: this.synthetic(loweringHints.returnValue),
      };
    }
    return this.returnFlagSymbols;
  }

  boolean(value: boolean): Value {
    return this.builder.emit("bool", [], "boolean", { value });
  }

  /** Appends an op of one result, with what `builder.emit` does not take (a location, regions),
   * and returns the result. */
  emitOp(spec: OpSpec & { results: [{ type: Type; name?: string }] }): Value {
    const [result] = this.builder.op(spec).results;
    if (!result) throw new Error(`a '${spec.opcode}' op was built without its result`);
    return result;
  }

  /** The op of the current region that defines `value`; undefined for a value defined elsewhere. */
  definingOp(value: Value): Op | undefined {
    return this.builder.region.ops.find((op) => op.results[0] === value);
  }
}
