/**
 * The specialised copies of recursive package functions a differentiable function calls (see
 * src/frontend/package-recursion.ts), compiled for its generated module: each copy's primal,
 * which the forward sweeps call, and its gradient, which the reverse sweeps call.
 */
import { FunctionEmitter } from "./backend/emit.js";
import type { ModuleFunction } from "./backend/module.js";
import { identifiersIn, Namer } from "./backend/naming.js";
import type { Specialisation } from "./frontend/package-recursion.js";
import { printFunction } from "./ir/printer.js";
import type { Op } from "./ir/types.js";
import { verifyFunction } from "./ir/verifier.js";
import { type PipelineOptions, primalPasses, runPipeline } from "./pipeline.js";
import type { ts } from "ts-morph";

export interface CompiledCopies {
  modules: ModuleFunction[];
  /** Their primal and gradient IR, as `adjoint --dump-ir` prints it. */
  ir: string[];
  /** Ops on a derivative's path without a derivative (see index.ts). */
  opaque: Op[];
}

/** Every copy of `copies`, for the differentiable function `root`. */
export function compileSpecialisedCopies(
  copies: readonly Specialisation[],
  root: ts.Node,
  options: PipelineOptions,
): CompiledCopies {
  const compiled: CompiledCopies = { modules: [], ir: [], opaque: [] };
  const copyNames = copies.flatMap((copy) => [copy.name, copy.gradientName]);
  for (const copy of copies) {
    const namer = () => new Namer([...identifiersIn(copy.helper), ...identifiersIn(root), ...copyNames]);
    const what = `\`${copy.helperName}\` of ${packageOf(copy)}, specialised for the call in the function above`;
    const primal = copy.primal!;
    for (const pass of primalPasses) pass.run(primal);
    verifyFunction(primal, "the primal of a specialised copy");
    const primalEmitter = new FunctionEmitter({ fn: primal, forwardOpCount: primal.body.ops.length }, namer());
    compiled.modules.push(moduleFunction(copy.name, primalEmitter, primalEmitter.emitPrimal(), `Value of ${what}.`));
    const passes = runPipeline(copy.gradient!, options);
    if ("opaque" in passes) {
      compiled.opaque.push(...passes.opaque);
      continue;
    }
    const emitter = new FunctionEmitter(passes.gradient, namer());
    const code = emitter.emit();
    const wrt = passes.primal.params.filter((p) => p.differentiated).map((p) => p.value.name);
    compiled.modules.push(
      moduleFunction(copy.name, emitter, code, `Value of ${what}, and its gradient with respect to ${wrt.join(", ")}.`),
    );
    compiled.ir.push(printFunction(primal), printFunction(passes.gradient.fn, passes.gradient.forwardOpCount));
  }
  return compiled;
}

function moduleFunction(name: string, emitter: FunctionEmitter, code: string, comment: string): ModuleFunction {
  return {
    sourceName: name,
    differentiated: [],
    vjp: false,
    code,
    constants: emitter.moduleConstants,
    references: [],
    growableStackKinds: emitter.growableStackKinds,
    scratchKinds: emitter.scratchKinds,
    ...(emitter.scratchDeclaration === undefined ? {} : { scratchDeclaration: emitter.scratchDeclaration }),
    comment,
  };
}

/** The package a copy's function comes from: `integrate-adaptive-simpson`, `@scope/name`. */
function packageOf(copy: Specialisation): string {
  const file = copy.helper.getSourceFile().fileName;
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match ? `'${match[1]}'` : "a package";
}
