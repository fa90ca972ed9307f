/**
 * Prints a gradient IRFunction as a TypeScript function: plans it (plan.ts), then prints it
 * (statements.ts, with expressions.ts, storage.ts and the names of naming.ts), and keeps what
 * the generated module must declare for it (see module.ts).
 *
 * Accepts: a verified gradient function (see src/reverse/reverse.ts), whose returned value it
 * names `value` when the source names it nothing else.
 * Produces: source text, formatted later by prettier.
 */
import type { Value } from "../ir/types.js";
import type { GradientIR } from "../reverse/reverse.js";
import { ExpressionPrinter } from "./expressions.js";
import { nameHints, ValueNames, type Namer } from "./naming.js";
import { planFunction } from "./plan.js";
import { StatementPrinter } from "./statements.js";
import { Storage } from "./storage.js";

export class FunctionEmitter {
  private readonly expressions: ExpressionPrinter;
  private readonly storage: Storage;
  private readonly statements: StatementPrinter;

  constructor(gradient: GradientIR, namer: Namer) {
    const [value] = gradient.fn.body.yields as [Value];
    if (value.name === undefined) value.name = nameHints.returnedValue;
    const plan = planFunction(gradient);
    const names = new ValueNames(plan, namer);
    this.expressions = new ExpressionPrinter(plan, names);
    this.storage = new Storage(plan, names, this.expressions);
    this.statements = new StatementPrinter(plan, names, this.expressions, this.storage);
  }

  /** The gradient function's text. Call once: names are claimed as it prints. */
  emit(): string {
    return this.statements.printFunction();
  }

  /** For a function IR without a reverse sweep: the function computing its value only. Call
   * once, instead of `emit`. */
  emitPrimal(): string {
    return this.statements.printPrimalFunction();
  }

  /** Top-level constants of the source the function reads, by name, with their literals. */
  get moduleConstants(): ReadonlyMap<string, string> {
    return this.expressions.moduleConstants;
  }

  /** The typed-array kinds of the growable stacks the function pushes onto (see `growerName`). */
  get growableStackKinds(): ReadonlySet<string> {
    return this.storage.growableStackKinds;
  }

  /** The typed-array kinds of the kept arrays, by whether their helper zeroes them
   * (see `scratchHelperName`). */
  get scratchKinds(): { reused: ReadonlySet<string>; zeroed: ReadonlySet<string> } {
    return this.storage.scratchKinds;
  }

  /** The module-level variable keeping the function's arrays between calls, if it keeps any. */
  get scratchDeclaration(): string | undefined {
    return this.storage.scratchDeclaration;
  }
}
