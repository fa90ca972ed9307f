/**
 * Where a gradient function keeps its arrays, and how they are typed and allocated: stacks of the
 * reverse sweep (in a typed array with the index of its top, growing when its size is not known
 * in advance, or a plain array of arrays), arrays kept from one call for the next, and the
 * optional `out` parameter whose arrays the gradients are written into.
 *
 * Relies on: the plan (plan.ts) for the uses that decide what may be kept, the names (naming.ts)
 * and the expression printer (expressions.ts) for the text of lengths and pushed values.
 * Records: the kinds of growable stacks and of kept arrays the function needs a module-level
 * helper for, and the declaration of the module-level variable keeping its arrays.
 */
import { attrsOf, isOp } from "../ir/attrs.js";
import { nestedObjectText } from "../ir/objects.js";
import { usesArrayInPlace } from "../ir/op-definitions.js";
import type { ArrayKind, Op, Param, Value } from "../ir/types.js";
import { Precedence } from "../rules/primitives.js";
import type { ExpressionPrinter } from "./expressions.js";
import { growerName, keeperName, nameHints, scratchHelperName, stackTopHint, type ValueNames } from "./naming.js";
import { operandOf, resultOf, yieldOf } from "../ir/access.js";
import type { Plan } from "./plan.js";

/** Elements a growable stack starts with (it doubles whenever it is full). */
const initialGrowableCapacity = 64;

/** A stack kept in a typed array: its index variable, its array type, and whether it grows. */
interface TypedStack {
  top: string;
  kind: string;
  growable: boolean;
}

/** The type of a parameter's gradient: its own shape. */
export function gradientType(param: Param): string {
  const arrayType = (kind: string) => (kind === "Array" ? "number[]" : kind);
  if (param.rowKind !== undefined) return `${arrayType(param.rowKind)}[]`;
  if (param.elementFields !== undefined)
    return `${nestedObjectText(
      param.elementFields.map((f) => [f, "number"]),
      "; ",
    )}[]`;
  return param.arrayKind === undefined ? "number" : arrayType(param.arrayKind);
}

/** The TypeScript type of an array value, from the op that created it. */
export function arrayTypeText(plan: Plan, value: Value): string {
  const param = plan.fn.params.find((p) => p.value === value);
  if (param) return param.typeText;
  const { op } = plan.definitions.get(value)!;
  if (op.opcode === "if") {
    const index = op.results.indexOf(value);
    const yielded = op.regions.map((r) => yieldOf(r, index)).find((v) => !plan.isUndefined(v));
    if (!yielded) throw new Error("an array result of an `if` is set by one of its branches");
    return arrayTypeText(plan, yielded);
  }
  // a row of a parameter that holds rows (`x[arg]`, kept on a stack when `arg` is chosen per
  // iteration)
  const rows = op.opcode === "array.row" ? plan.fn.params.find((p) => p.value === op.operands[0]) : undefined;
  if (rows?.rowKind !== undefined) return rows.rowKind === "Array" ? "number[]" : rows.rowKind;
  const kind = kindMade(op);
  return kind === "Array" ? "number[]" : kind;
}

/** The kind of array an op allocating one of a stated kind makes. */
function kindMade(op: Op): ArrayKind {
  if (isOp(op, "array.new") || isOp(op, "array.zeros") || isOp(op, "array.copy")) return op.attrs.kind;
  if (isOp(op, "array.literal") && op.attrs.kind !== undefined) return op.attrs.kind;
  throw new Error(`the type of an array made by '${op.opcode}' is not known`);
}

/**
 * True for an allocation of the function body's top level kept between calls: a stack of
 * numbers or branch outcomes, the zeroed adjoint of one of the function's own typed arrays, or
 * such a typed array itself, when nothing can keep it past the call. Allocating a typed array
 * of more than a few elements is slow in V8 (its memory lives outside the JavaScript heap), and
 * in a function called many times with the same sizes (a Jacobian assembled one VJP at a time)
 * it cost up to two fifths of the time. Nothing that leaves the call is kept: parameter
 * gradients, arrays yielded (returned ones among them) or passed to any op that does not use
 * them in place (a call, a push: see `usesArrayInPlace`), stacks of arrays (which would hold on
 * to the caller's data).
 */
function keptBetweenCalls(plan: Plan, op: Op): boolean {
  if (isOp(op, "stack.new")) return op.attrs.element !== "array";
  // (only these allocations print through `zerosAllocation` and `filledAllocation`, which take
  // the last call's array; the table's `allocates` also covers literals, copies and cells)
  const keepable = (isOp(op, "array.zeros") && op.attrs.output === undefined) || isOp(op, "array.new");
  if (!keepable || op.attrs.kind === "Array") return false;
  // (a yield is a use at the index past the region's last op)
  return plan.usesOf(resultOf(op)).every(({ region, index }) => {
    const use = region.ops[index];
    return use !== undefined && usesArrayInPlace(use);
  });
}

/** The storage of one gradient function, decided as its statements are printed. */
export class Storage {
  /** The typed-array kinds of the growable stacks the function pushes onto (see `growerName`). */
  readonly growableStackKinds = new Set<string>();
  /** The typed-array kinds of the kept arrays, by whether their helper zeroes them
   * (see `scratchHelperName`). */
  readonly scratchKinds = { reused: new Set<string>(), zeroed: new Set<string>() };
  /** The module-level variable keeping the kept arrays between calls, declared before the
   * function (see `keptBetweenCalls`), once `returnKeptArrays` has run. */
  scratchDeclaration?: string;
  private readonly stackTops = new Map<Value, TypedStack>();
  /** The allocations kept between calls, the local holding the last call's, and each kept array's
   * name and type. */
  private readonly scratchOps: ReadonlySet<Op>;
  private scratchName = "";
  private readonly scratchFields: [string, string][] = [];
  /** The name of the optional trailing parameter holding arrays for the gradients. */
  private outName?: string;
  /** The gradients `out` has a field for: those of array parameters, not of array fields of objects. */
  private readonly outFields = new Set<string>();

  constructor(
    private readonly plan: Plan,
    private readonly names: ValueNames,
    private readonly expressions: ExpressionPrinter,
  ) {
    this.scratchOps = new Set(plan.fn.body.ops.filter((op) => keptBetweenCalls(plan, op)));
  }

  /** `out?: { x?: Float64Array }` when a differentiated parameter is an array: its gradient is
   * written into the caller's array when the caller passes one. */
  outParameter(differentiated: Param[]): string | undefined {
    const outputs = differentiated.filter(
      (p) =>
        p.arrayKind !== undefined && p.rowKind === undefined && p.field === undefined && p.elementFields === undefined,
    );
    // Nothing may follow a rest parameter.
    if (outputs.length === 0 || this.plan.fn.params.some((p) => p.rest)) return undefined;
    // Claimed before the body's names, so that a local `out` is the one renamed.
    this.outName = this.names.freshUserName(nameHints.outParameter);
    for (const p of outputs) if (p.value.name !== undefined) this.outFields.add(p.value.name);
    return `${this.outName}?: { ${outputs.map((p) => `${p.value.name}?: ${gradientType(p)}`).join("; ")} }`;
  }

  /** The statements opening the body that take the arrays the last call kept, if any are. */
  takeKeptArrays(): string[] {
    if (this.scratchOps.size === 0) return [];
    const keeper = keeperName(this.plan.fn.name);
    this.scratchName = this.names.fresh(nameHints.scratch);
    return [
      "// the last call's arrays, taken so that a call made meanwhile (recursion) allocates its own",
      `const ${this.scratchName} = ${keeper};`,
      `${keeper} = undefined;`,
    ];
  }

  /** The statements, before the function returns, keeping its arrays for the next call; sets
   * `scratchDeclaration`. Runs once the body is printed. */
  returnKeptArrays(): string[] {
    if (this.scratchFields.length === 0) return [];
    const name = this.plan.fn.name;
    const keeper = keeperName(name);
    const fields = this.scratchFields.map(([field, type]) => `${field}: ${type}`).join("; ");
    this.scratchDeclaration = `/** The stacks and working arrays \`${name}\` keeps from one call for the next. */\nlet ${keeper}: { ${fields} } | undefined;`;
    return [`${keeper} = { ${this.scratchFields.map(([field]) => field).join(", ")} };`];
  }

  /** A zero-filled array of `length`: the caller's `out` array zeroed when it passes one, the
   * last call's zeroed when it is kept, else a new one. */
  zerosAllocation(op: Op, length: string): string {
    const { kind, output: gradientOf } = attrsOf(op, "array.zeros");
    if (this.scratchOps.has(op)) return this.scratchArray(resultOf(op), kind, true, length);
    const allocation = kind === "Array" ? `new Array<number>(${length}).fill(0)` : `new ${kind}(${length})`;
    const output =
      gradientOf !== undefined && this.outName && this.outFields.has(gradientOf)
        ? `${this.outName}.${gradientOf}`
        : undefined;
    return output ? `${this.outName}?.${gradientOf} ? ${output}.fill(0) : ${allocation}` : allocation;
  }

  /** An array of `length` elements, each `fill`. */
  filledAllocation(op: Op, length: string, fill: string): string {
    const { kind } = attrsOf(op, "array.new");
    if (this.scratchOps.has(op)) {
      const zeroed = fill === "0";
      return `${this.scratchArray(resultOf(op), kind, zeroed, length)}${zeroed ? "" : `.fill(${fill})`}`;
    }
    return kind === "Array"
      ? `new Array<number>(${length}).fill(${fill})`
      : `new ${kind}(${length})${fill === "0" ? "" : `.fill(${fill})`}`;
  }

  /** The statements declaring the stack `op` makes: a plain array for a stack of arrays, else a
   * typed array and the index of its top. */
  stackDeclaration(op: Op): string[] {
    const stack = resultOf(op);
    const name = this.names.of(stack);
    const { element } = attrsOf(op, "stack.new");
    if (element === "array")
      return [`const ${name}: ${arrayTypeText(this.plan, this.plan.pushedValue(stack))}[] = [];`];
    const top = this.names.fresh(stackTopHint(name));
    const kind = element === "boolean" ? "Uint8Array" : "Float64Array";
    const growable = op.operands.length === 0;
    this.stackTops.set(stack, { top, kind, growable });
    // A stack whose size is not known before its loops start doubles when full.
    const capacity = growable ? String(initialGrowableCapacity) : this.expressions.expression(operandOf(op, 0)).text;
    // (a growable stack's type is written out: the grower returns a plain `${kind}`)
    const declaration = growable ? `let ${name}: ${kind}` : `const ${name}`;
    let allocation = `new ${kind}(${capacity})`;
    if (this.scratchOps.has(op)) {
      // A growable stack keeps the capacity it grew to; a sized one is reused at the same size.
      allocation = growable
        ? `${this.scratchName}?.${this.keep(name, kind)} ?? ${allocation}`
        : this.scratchArray(stack, kind, false, capacity);
    }
    return [`${declaration} = ${allocation};`, `let ${top} = 0;`];
  }

  /** The statements of a `stack.push`: a growable stack first grows when full. */
  pushStatements(op: Op): string[] {
    const [stack, value] = op.operands as [Value, Value];
    const typed = this.stackTops.get(stack);
    const name = this.names.of(stack);
    const text = this.expressions.expression(value).text;
    if (typed === undefined) return [`${name}.push(${text});`];
    const { top, kind, growable } = typed;
    const statements: string[] = [];
    if (growable) {
      this.growableStackKinds.add(kind);
      statements.push(`if (${top} === ${name}.length) ${name} = ${growerName(kind)}(${name});`);
    }
    const pushed = value.type === "boolean" ? `${this.expressions.operand(value, Precedence.or)} ? 1 : 0` : text;
    statements.push(`${name}[${top}++] = ${pushed};`);
    return statements;
  }

  /** The value a `stack.pop` takes off its stack. */
  poppedText(op: Op): string {
    const [stack] = op.operands as [Value];
    const typed = this.stackTops.get(stack);
    return typed === undefined
      ? `${this.names.of(stack)}.pop()!`
      : `${this.names.of(stack)}[--${typed.top}]${resultOf(op).type === "boolean" ? " === 1" : ""}`;
  }

  /** Records that the array named `name` is kept between calls; returns the name. */
  private keep(name: string, kind: string): string {
    this.scratchFields.push([name, kind]);
    return name;
  }

  /** The allocation of a kept array: the last call's when its length fits, else a new one. */
  private scratchArray(array: Value, kind: string, zeroed: boolean, length: string): string {
    this.scratchKinds[zeroed ? "zeroed" : "reused"].add(kind);
    return `${scratchHelperName(kind, zeroed)}(${this.scratchName}?.${this.keep(this.names.of(array), kind)}, ${length})`;
  }
}
