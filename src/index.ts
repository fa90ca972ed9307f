/**
 * The public API: `compile(files)` turns source files into gradient modules, and `int` marks
 * integer parameters in user code. The CLI and later integrations are thin wrappers around this.
 */
import path from "node:path";
import { FunctionEmitter } from "./backend/emit.js";
import { formatModule, type ModuleFunction, typeScriptExtension } from "./backend/module.js";
import { gradientFunctionName, identifiersIn, keeperName, Namer } from "./backend/naming.js";
import { type Diagnostic, DiagnosticError } from "./diagnostics.js";
import { type DifferentiableFunction, findDifferentiableFunctions, type MethodOf } from "./frontend/annotations.js";
import { FunctionLowering } from "./frontend/lower.js";
import { withZeroGuards } from "./optimize/zero-guards.js";
import { type DerivativeRule, type ExternalReference, findDerivativeRules } from "./frontend/derivatives.js";
import { loadProgram, locate } from "./frontend/program.js";
import { attrsOf, isOp } from "./ir/attrs.js";
import { printFunction } from "./ir/printer.js";
import type { ArrayKind, IRFunction, Op, Param } from "./ir/types.js";
import { sourceParams } from "./ir/objects.js";
import { type PassDump, type PipelineOptions, runPipeline } from "./pipeline.js";
import { compileSpecialisedCopies } from "./specialised-copies.js";
import { forwardNames, TangentError, wholeFunction } from "./forward/forward.js";
import {
  type Derived,
  type DerivationInput,
  type DerivedKey,
  derivedFunctions,
  numberValued,
} from "./derived-functions.js";
import type { GradientIR } from "./reverse/reverse.js";
import type { ts } from "ts-morph";

/** A number that is always an integer: sizes, counts, indices. Never differentiated. */
export type int = number;

/**
 * The value itself, through which no derivative flows: gradients treat it as a constant (for
 * example the maximum subtracted in a stable log-sum-exp).
 */
export function stopGradient(x: number): number {
  return x;
}

/** A point derivatives are taken at: a number or an array of numbers. */
export type Point = number | readonly number[] | Float64Array;

/** A gradient is shaped like its point: a number, a Float64Array, or else a number[]. */
export type Shaped<X extends Point> = X extends number ? number : X extends Float64Array ? Float64Array : number[];

/** How `grad` and `valueAndGrad` compute the derivative; reverse mode unless told. */
export interface GradOptions {
  mode?: "reverse" | "forward";
}

/** The derivative operators exist only inside differentiable code, where the compiler expands them. */
function compileTimeOperator(name: string): never {
  throw new Error(
    `${name}() is a compile-time operator expanded by adjoint inside @differentiable functions; call the function from its generated .grad.ts module (or call its generated gradient, fGrad or fJvp, directly)`,
  );
}

/** `grad(f)(x, ...rest)`: d f / d x at x, shaped like x. Only inside differentiable code. */
export function grad<X extends Point, R extends unknown[]>(
  f: (x: X, ...rest: R) => number,
  options?: GradOptions,
): (x: X, ...rest: R) => Shaped<X> {
  void f;
  void options;
  return compileTimeOperator("grad");
}

/** `valueAndGrad(f)(x, ...rest)`: f's value and d f / d x at x. Only inside differentiable code. */
export function valueAndGrad<X extends Point, R extends unknown[]>(
  f: (x: X, ...rest: R) => number,
  options?: GradOptions,
): (x: X, ...rest: R) => { value: number; grad: Shaped<X> } {
  void f;
  void options;
  return compileTimeOperator("valueAndGrad");
}

/** `jvp(f)(x, v, ...rest)`: f's value and its derivative at x along v. Only inside differentiable code. */
export function jvp<X extends Point, R extends unknown[]>(
  f: (x: X, ...rest: R) => number,
): (x: X, v: X, ...rest: R) => { value: number; tangent: number } {
  void f;
  return compileTimeOperator("jvp");
}

/** `vjp(f)(x, cotangent, ...rest)`: f's value and cotangentᵀ (df/dx). Only inside differentiable code. */
export function vjp<X extends Point, R extends unknown[]>(
  f: (x: X, ...rest: R) => readonly number[] | Float64Array,
): (x: X, cotangent: readonly number[], ...rest: R) => { value: number[]; grad: Shaped<X> } {
  void f;
  return compileTimeOperator("vjp");
}

export type { Diagnostic } from "./diagnostics.js";
export {
  gradcheck,
  type GradcheckEntry,
  type GradcheckOptions,
  type GradcheckResult,
  jvpcheck,
  type JvpcheckOptions,
  type JvpcheckResult,
} from "./gradcheck.js";
export { formatDiagnostic } from "./diagnostics.js";

export interface CompileOptions extends PipelineOptions {
  /** Write each `<name>.grad.ts` here instead of beside its source, at the place the source
   * has under the folder every input shares. */
  outDir?: string;
  /** Generate fJvpBatch and fJvpPattern for every function, and fHvp and fHvpPattern for every
   * number-valued one, as if each were tagged `@jacobian sparse` and `@hessian sparse` (tests). */
  everyForwardMode?: boolean;
}

/** How an array is stored: its kind, and for an array of arrays, its rows' kind. */
export interface ArrayShape {
  arrayKind?: ArrayKind;
  rowKind?: ArrayKind;
}

export interface GeneratedParam extends ArrayShape {
  name: string;
  differentiated: boolean;
  /** For an object parameter: its array fields, by dotted path. */
  arrayFields?: ({ path: string } & ArrayShape)[];
  /** For an object parameter: the dotted paths of its differentiated fields. */
  differentiatedFields?: string[];
  /** A rest parameter: the function takes its elements as separate arguments. */
  rest?: boolean;
}

export interface GeneratedFunction {
  name: string;
  gradientName: string;
  /** For a method: its class and name; the gradient takes the instance first, as `self`. */
  method?: MethodOf;
  /** True for a function returning an array or an object: `gradientName` is a VJP taking a
   * cotangent last. */
  vjp: boolean;
  /** Its forward-mode function `fJvp(...params, tangents)`, unless forward mode was refused. */
  jvpName?: string;
  /** With `@jacobian`: `fJvpBatch(...params, tangents, directions)`, vector forward mode. */
  jvpBatchName?: string;
  /** With `@hessian`: `fHvp(...params, tangents)` and `fHessian(...params)`. */
  hvpName?: string;
  hessianName?: string;
  /** With `@hessian diagonal`: `fHessianDiagonal(...params)`. */
  hessianDiagonalName?: string;
  /** With `@hessian sparse`: `fHvpPattern(...params, tangents)`, the Hessian's rows as sets of up
   * to 32 seeded coordinates, and `fHessianSparse(...params)` returning `{ value, grad, hessian,
   * colours }`. */
  hvpPatternName?: string;
  hessianSparseName?: string;
  /** With `@jacobian`: `fJacobianForward(...params)`, `fJacobianReverse(...params)` and
   * `fJacobian(...params)`, each returning `{ value, jacobian }`. */
  jacobianForwardName?: string;
  jacobianReverseName?: string;
  jacobianName?: string;
  /** With `@jacobian sparse`: `fJvpPattern(...params, tangents, words)`, the sets of coordinates
   * each result element depends on; `fJacobianPattern(...params)` returning `{ value, pattern }`
   * and `fJacobianSparse(...params)` returning `{ value, jacobian, colours }`. */
  jvpPatternName?: string;
  jacobianPatternName?: string;
  jacobianSparseName?: string;
  params: GeneratedParam[];
}

export interface CompiledFile {
  source: string;
  outputPath: string;
  text: string;
  functions: GeneratedFunction[];
  /** The primal and adjoint IR of each function, as `adjoint --dump-ir` prints it. */
  ir: string;
  /** The IR after each pass `dumpAfter` names, function by function (`adjoint --dump-ir=<pass>`). */
  dumps: (PassDump & { function: string })[];
}

export interface CompileResult {
  /** One entry per input file that compiled without errors and has differentiable functions. */
  files: CompiledFile[];
  diagnostics: Diagnostic[];
}

/** Where a source's generated file goes: beside it, or in `outDir` at the place the source has
 * under `root` (the folder the inputs have in common), as tsc's `outDir` keeps the tree. */
export function outputPathFor(source: string, outDir?: string, root = path.dirname(source)): string {
  const name = `${path.basename(source).replace(typeScriptExtension, "")}.grad.ts`;
  return outDir === undefined
    ? path.join(path.dirname(source), name)
    : path.join(outDir, path.relative(root, path.dirname(source)), name);
}

/** The deepest folder holding every file. */
function commonFolder(files: readonly string[]): string {
  // TypeScript's file names are separated by "/" on every system.
  const folders = files.map((file) => path.posix.dirname(file).split("/"));
  const common = folders[0] ?? [];
  let length = common.length;
  for (const folder of folders)
    while (folder.slice(0, length).join("/") !== common.slice(0, length).join("/")) length--;
  return common.slice(0, length).join("/") || "/";
}

function opaqueDiagnostic(op: Op, sourceFile: ts.SourceFile, functionName: string): Diagnostic {
  const loc = op.loc!;
  const lineStart = sourceFile.getPositionOfLineAndCharacter(loc.line - 1, loc.column - 1);
  const position = locate(sourceFile, lineStart);
  // An op of no derivative rule: a template, or a call (which may convert to a string).
  const stringifies = isOp(op, "template") || attrsOf(op, "call").stringifies === true;
  if (isOp(op, "call") && op.attrs.derivative !== undefined) {
    return {
      code: "AD1010",
      severity: "error",
      message: `an argument of '${op.attrs.callee}' depends on a differentiated value, but the derivative of '${op.attrs.callee}' is not taken with respect to that parameter (in '${functionName}')`,
      hint: `add the parameter to the wrt list of '${op.attrs.callee}', or pass a value that does not depend on the differentiated parameters`,
      ...position,
    };
  }
  return stringifies
    ? {
        code: "AD1007",
        severity: "error",
        message: `a differentiated value is converted to a string whose value reaches the result (in '${functionName}')`,
        hint: "derivatives do not pass through strings: keep the computation in numbers",
        ...position,
      }
    : {
        code: "AD1005",
        severity: "error",
        message: `'${attrsOf(op, "call").callee}' has no derivative rule, and its result depends on a differentiated value and reaches the result (in '${functionName}')`,
        hint: "compute the value outside the differentiable function and pass it in, or use a Math function",
        ...position,
      };
}

/** The source's parameters, with how their arrays are stored. */
function generatedParams(params: Param[]): GeneratedParam[] {
  const shape = (p: Param): ArrayShape => ({
    ...(p.arrayKind ? { arrayKind: p.arrayKind } : {}),
    ...(p.rowKind ? { rowKind: p.rowKind } : {}),
  });
  return sourceParams(params).map(({ name, params: group, object }): GeneratedParam => {
    if (object) {
      return {
        name,
        differentiated: group.some((p) => p.differentiated),
        arrayFields: group.filter((p) => p.arrayKind).map((p) => ({ path: p.field!.path, ...shape(p) })),
        differentiatedFields: group.filter((p) => p.differentiated).map((p) => p.field!.path),
      };
    }
    const [param] = group;
    if (!param) throw new Error(`the parameter '${name}' has no IR parameter`);
    return { name, differentiated: param.differentiated, ...shape(param), ...(param.rest ? { rest: true } : {}) };
  });
}

interface CompiledFunction {
  module: ModuleFunction;
  /** Its forward-mode functions (`fJvp`, ...), after it in the module. */
  forward: ModuleFunction[];
  /** Warnings: forward-mode functions left out, and why. */
  diagnostics: Diagnostic[];
  /** The specialised copies of recursive package functions it calls, after it in the module. */
  copies: ModuleFunction[];
  generated: GeneratedFunction;
  ir: string;
  dumps: PassDump[];
}

/**
 * The derived functions of a compiled function (see derived-functions.ts), and the diagnostics
 * of those that could not be made: a warning for the JVP made for every function, an error for
 * one a tag asked for.
 */
function makeDerivedFunctions(
  input: DerivationInput,
  wrt: string,
  sourceFile: ts.SourceFile,
): { functions: Derived[]; diagnostics: Diagnostic[] } {
  const functions: Derived[] = [];
  const diagnostics: Diagnostic[] = [];
  // The functions a tag asks for build on one another (fHessian calls fHvp): after the first
  // that cannot be made, the others are not tried.
  let refused = false;
  const reasons = new Map<DerivedKey, TangentError>();
  for (const derived of derivedFunctions) {
    const always = derived.always === true || (derived.alwaysInTests === true && input.everyForwardMode === true);
    if (!always && (!derived.asked(input.also) || refused)) continue;
    // (what tests make for every function is made for those it is for, without a warning)
    if (always && !derived.always && derived.scalar && !numberValued(input)) continue;
    try {
      const missing = derived.calls?.map((key) => reasons.get(key)).find((reason) => reason !== undefined);
      if (missing) throw new TangentError(missing.op, missing.reason);
      if (derived.scalar && !numberValued(input))
        throw new TangentError(wholeFunction(input.primal), "a Hessian is of a function returning a number");
      functions.push(derived.make(input, wrt));
    } catch (error) {
      if (!(error instanceof TangentError)) throw error;
      reasons.set(derived.key, error);
      diagnostics.push(
        derivedDiagnostic(error, sourceFile, input.name, always ? leftOut(derived.key, input.name) : undefined),
      );
      refused ||= !always;
    }
  }
  return { functions, diagnostics };
}

/** The name of a function made for every function, which a warning says is left out. */
const leftOut = (key: DerivedKey, functionName: string) =>
  forwardNames[key.replace(/Name$/, "") as keyof typeof forwardNames](functionName);

/** The diagnostic of a derived function that cannot be made: a warning naming `leftOutName`, a
 * function made for every function, or an error for one a tag asked for. */
function derivedDiagnostic(
  error: TangentError,
  sourceFile: ts.SourceFile,
  functionName: string,
  leftOutName: string | undefined,
): Diagnostic {
  const loc = error.op.loc;
  const position =
    loc === undefined
      ? locate(sourceFile, 0)
      : locate(sourceFile, sourceFile.getPositionOfLineAndCharacter(loc.line - 1, loc.column - 1));
  return leftOutName !== undefined
    ? {
        code: "AD1014",
        severity: "warning",
        message: `no ${leftOutName} is generated: ${error.reason} (in '${functionName}')`,
        hint: "the gradient is generated as before; compute the value outside the function and pass it in to have a JVP",
        ...position,
      }
    : {
        code: "AD1014",
        severity: "error",
        message: `a derivative its tags ask for cannot be generated: ${error.reason} (in '${functionName}')`,
        hint: "remove the tag, or change the function as the message says",
        ...position,
      };
}

/** A driver written as text (see forward/drivers.ts): it declares and references nothing. */
function driverModule(
  sourceName: string,
  code: string,
  comment: string,
  helpers: readonly string[] = [],
): ModuleFunction {
  return {
    sourceName,
    differentiated: [],
    vjp: false,
    code,
    constants: new Map(),
    references: [],
    growableStackKinds: new Set(),
    scratchKinds: { reused: new Set(), zeroed: new Set() },
    comment,
    ...(helpers.length > 0 ? { helpers } : {}),
  };
}

/** The primal of a function as it is lowered, printed under its own name. */
function primalModule(
  primal: IRFunction,
  namer: Namer,
  references: readonly ExternalReference[],
  comment: string,
): ModuleFunction {
  const emitter = new FunctionEmitter({ fn: primal, forwardOpCount: primal.body.ops.length }, namer);
  return {
    sourceName: primal.name,
    differentiated: [],
    vjp: false,
    code: `export ${emitter.emitPrimal()}`,
    constants: emitter.moduleConstants,
    references,
    growableStackKinds: emitter.growableStackKinds,
    scratchKinds: emitter.scratchKinds,
    ...(emitter.scratchDeclaration === undefined ? {} : { scratchDeclaration: emitter.scratchDeclaration }),
    comment,
  };
}

/** A method as code reaches it: `Vec3.prototype.length`, `Vec3.dot`. */
const methodPath = ({ className, methodName, isStatic }: MethodOf) =>
  `${className}.${isStatic ? "" : "prototype."}${methodName}`;

function compileFunction(
  checker: ts.TypeChecker,
  sourceFile: ts.SourceFile,
  found: DifferentiableFunction,
  newNamer: () => Namer,
  rules: ReadonlyMap<ts.Symbol, DerivativeRule>,
  options: CompileOptions,
): CompiledFunction | Diagnostic[] {
  const lowering = new FunctionLowering(checker, sourceFile, found, rules);
  const lowered = lowering.lower();
  // Names of what the generated code calls, kept out of its own names.
  const namerOfCode = () => {
    const namer = newNamer();
    for (const reference of lowering.references) namer.reserve(reference.name);
    for (const copy of lowering.specialisedCopies) {
      namer.reserve(copy.name);
      namer.reserve(copy.gradientName);
    }
    return namer;
  };
  const passes = runPipeline(lowered, options);
  if ("opaque" in passes) return passes.opaque.map((op) => opaqueDiagnostic(op, sourceFile, found.name));
  const copies = compileSpecialisedCopies(lowering.specialisedCopies, found.node, options);
  if (copies.opaque.length > 0) return copies.opaque.map((op) => opaqueDiagnostic(op, sourceFile, found.name));
  const { primal, gradient } = passes;
  const sourceName = found.method ? methodPath(found.method) : found.name;
  const params = generatedParams(primal.params);
  const differentiated = params.filter((p) => p.differentiated).map((p) => p.name);
  const vjp = primal.returnsArray !== undefined || primal.returnsObject !== undefined;
  const moduleOf = (ir: GradientIR, comment?: string): ModuleFunction => {
    const emitter = new FunctionEmitter(withZeroGuards(ir), namerOfCode());
    return {
      sourceName,
      differentiated,
      vjp,
      code: emitter.emit(),
      constants: emitter.moduleConstants,
      references: lowering.references,
      growableStackKinds: emitter.growableStackKinds,
      scratchKinds: emitter.scratchKinds,
      ...(emitter.scratchDeclaration === undefined ? {} : { scratchDeclaration: emitter.scratchDeclaration }),
      ...(comment === undefined ? {} : { comment }),
    };
  };
  const wrtText = differentiated.join(", ");
  const forward = makeDerivedFunctions(
    {
      primal,
      gradient,
      name: found.name,
      also: found.also ?? {},
      namer: namerOfCode,
      ...(options.everyForwardMode ? { everyForwardMode: true } : {}),
    },
    wrtText,
    sourceFile,
  );
  const forwardModules = forward.functions.map((f) => {
    const comment = `Value of \`${sourceName}\` and ${f.comment}.`;
    return "ir" in f ? moduleOf(f.ir, comment) : driverModule(sourceName, f.code, comment, f.helpers);
  });
  // The source function throws where it calls `grad`: the module exports the expanded primal instead.
  const expandedPrimal = lowering.takesDerivatives
    ? [
        primalModule(
          primal,
          namerOfCode(),
          lowering.references,
          `Value of \`${sourceName}\`, its derivatives expanded.`,
        ),
      ]
    : [];
  const irText = [
    printFunction(primal),
    printFunction(gradient.fn, gradient.forwardOpCount),
    ...forward.functions.flatMap((f) => ("ir" in f ? [printFunction(f.ir.fn, f.ir.forwardOpCount)] : [])),
    ...copies.ir,
  ].join("\n");
  return {
    module: moduleOf(gradient),
    forward: [...expandedPrimal, ...forwardModules],
    generated: {
      name: found.name,
      gradientName: gradient.fn.name,
      vjp,
      params,
      ...Object.fromEntries(forward.functions.map((f) => [f.key, f.name])),
      ...(found.method ? { method: found.method } : {}),
    },
    copies: copies.modules,
    ir: irText,
    dumps: passes.dumps,
    diagnostics: forward.diagnostics,
  };
}

export async function compile(files: string[], options: CompileOptions = {}): Promise<CompileResult> {
  const program = loadProgram(files);
  const diagnostics = [...program.diagnostics];
  const { rules, diagnostics: ruleDiagnostics } = findDerivativeRules(program.checker, program.programFiles);
  diagnostics.push(...ruleDiagnostics);
  const compiled: CompiledFile[] = [];
  const outDir = options.outDir && path.resolve(options.outDir);
  const inputsFolder = commonFolder(program.sourceFiles.map((f) => f.fileName));
  for (const sourceFile of program.sourceFiles) {
    if (diagnostics.some((d) => d.file === locate(sourceFile, 0).file)) continue;
    const functions: CompiledFunction[] = [];
    const fileDiagnostics: Diagnostic[] = [];
    const found = findDifferentiableFunctions(sourceFile);
    const generatedNames = found.flatMap((f) =>
      f instanceof DiagnosticError
        ? []
        : [false, true]
            .flatMap((vjp) => {
              const name = gradientFunctionName(f.name, vjp);
              return [name, keeperName(name)];
            })
            .concat(Object.values(forwardNames).flatMap((named) => [named(f.name), keeperName(named(f.name))])),
    );
    for (const entry of found) {
      if (entry instanceof DiagnosticError) {
        fileDiagnostics.push(entry.diagnostic);
        continue;
      }
      try {
        const newNamer = () => new Namer([...identifiersIn(entry.node), ...generatedNames]);
        const result = compileFunction(program.checker, sourceFile, entry, newNamer, rules, options);
        if (Array.isArray(result)) fileDiagnostics.push(...result);
        else {
          functions.push(result);
          fileDiagnostics.push(...result.diagnostics);
        }
      } catch (error) {
        if (!(error instanceof DiagnosticError)) throw error;
        fileDiagnostics.push(error.diagnostic, ...error.others);
      }
    }
    if (found.length === 0) {
      fileDiagnostics.push({
        code: "AD1012",
        severity: "warning",
        message: "no function is marked @differentiable; nothing to generate",
        hint: "add /** @differentiable */ above a function declaration or `const f = (...) => ...`",
        ...locate(sourceFile, 0),
      });
    }
    diagnostics.push(...fileDiagnostics);
    if (fileDiagnostics.some((d) => d.severity === "error") || functions.length === 0) continue;
    const outputPath = outputPathFor(sourceFile.fileName, outDir, inputsFolder);
    compiled.push({
      source: sourceFile.fileName,
      outputPath,
      text: await formatModule(
        sourceFile.fileName,
        outputPath,
        functions.flatMap((f) => [f.module, ...f.forward, ...f.copies]),
      ),
      functions: functions.map((f) => f.generated),
      ir: functions.map((f) => f.ir).join("\n"),
      dumps: functions.flatMap((f) => f.dumps.map((d) => ({ ...d, function: f.generated.name }))),
    });
  }
  return { files: compiled, diagnostics };
}
