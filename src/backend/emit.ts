/**
 * Prints a gradient IRFunction as a TypeScript function.
 *
 * Accepts: a verified gradient function (see src/reverse/reverse.ts).
 * Produces: source text (formatted later by prettier) in which
 * - pure values used once, in their own region, without a user name, are printed inline in the
 *   expression that uses them; literals are always inline; everything else is a `const`;
 * - an `if` whose branches only compute the one value they yield is printed as a ternary;
 *   other `if`s declare their results with `let` and assign them in each branch;
 * - cells are `let` variables updated with `+=` / `-=` (a `const` when never updated);
 * - each group of reverse-sweep statements is preceded by a comment naming the source line it
 *   is the adjoint of;
 * - the function returns `{ value, grad: { param: adjoint, ... } }`.
 */
import { loopParts } from "../ir/loops.js";
import type { IRFunction, Op, Param, Region, Type, Value } from "../ir/types.js";
import { Precedence } from "../rules/primitives.js";
import type { GradientIR } from "../reverse/reverse.js";
import { planFunction, type Plan } from "./plan.js";
import { ExpressionPrinter, fieldSuffix, memberPrecedence, negated } from "./expressions.js";
import { arrayTypeText, gradientType, Storage } from "./storage.js";
import { nameHints, ValueNames, type Namer } from "./naming.js";
import { nestedObjectText, sourceParams } from "../ir/objects.js";

/** Each source parameter's name and text: an object parameter's text is built from `text` of
 * each leaf, nested. */
function sourceParamTexts(params: Param[], text: (p: Param) => string, separator: "; " | ", "): [string, string][] {
  return sourceParams(params).map(({ name, params: group, object }) => [
    name,
    object
      ? nestedObjectText(
          group.map((p) => [p.field!.path, text(p)]),
          separator,
        )
      : text(group[0]!),
  ]);
}

const comparisonOperators: Record<string, string> = { lt: "<", le: "<=", gt: ">", ge: ">=" };

function defaultValue(type: Type): string {
  return type === "boolean" ? "false" : type === "string" ? '""' : "0";
}

export class FunctionEmitter {
  private lastCommentedLine = -1;
  private readonly lines: string[] = [];
  private readonly plan: Plan;
  private readonly names: ValueNames;
  private readonly expressions: ExpressionPrinter;
  private readonly storage: Storage;

  constructor(gradient: GradientIR, namer: Namer) {
    const [value] = gradient.fn.body.yields as [Value];
    if (value.name === undefined) value.name = nameHints.returnedValue;
    this.plan = planFunction(gradient);
    this.names = new ValueNames(this.plan, namer);
    this.expressions = new ExpressionPrinter(this.plan, this.names);
    this.storage = new Storage(this.plan, this.names, this.expressions);
  }

  /** The typed-array kinds of the growable stacks the function pushes onto (see `growerName`). */
  get growableStackKinds(): ReadonlySet<string> {
    return this.storage.growableStackKinds;
  }

  /** The typed-array kinds of the kept arrays, by whether their helper zeroes them. */
  get scratchKinds(): { reused: ReadonlySet<string>; zeroed: ReadonlySet<string> } {
    return this.storage.scratchKinds;
  }

  /** The module-level variable keeping the function's arrays between calls, if it keeps any. */
  get scratchDeclaration(): string | undefined {
    return this.storage.scratchDeclaration;
  }

  /** Top-level constants of the source the function reads, by name, with their literals. */
  get moduleConstants(): ReadonlyMap<string, string> {
    return this.expressions.moduleConstants;
  }

  private get fn(): IRFunction {
    return this.plan.fn;
  }

  emit(): string {
    const fn = this.fn;
    const [value, ...grads] = fn.body.yields as [Value, ...Value[]];
    this.names.claimFixedNames();
    const params = sourceParams(fn.params).map(({ name, params: group, object }) => {
      const type = object
        ? nestedObjectText(
            group.map((p) => [p.field!.path, p.typeText]),
            "; ",
          )
        : group[0]!.typeText;
      return `${object ? this.names.objectParam(name) : this.names.of(group[0]!.value)}: ${type}`;
    });
    const wrt = fn.params.filter((p) => p.differentiated);
    const gradType = sourceParamTexts(wrt, gradientType, "; ")
      .map(([name, type]) => `${name}: ${type}`)
      .join("; ");
    const out = this.storage.outParameter(wrt);
    if (out !== undefined) params.push(out);
    const valueType =
      fn.returnsObject ?? (fn.returnsArray ? (fn.returnsArray === "Array" ? "number[]" : fn.returnsArray) : "number");
    this.lines.push(
      `export function ${fn.name}(${params.join(", ")}): { value: ${valueType}; grad: { ${gradType} } } {`,
    );
    this.lines.push(...this.storage.takeKeptArrays().map((line) => `  ${line}`));
    this.emitOps(fn.body, "  ");
    const field = (key: string, v: Value) => {
      const text = this.expressions.expression(v).text;
      return text === key ? key : `${key}: ${text}`;
    };
    const gradTexts = new Map(wrt.map((p, i) => [p, this.expressions.expression(grads[i]!).text]));
    const gradFields = sourceParamTexts(wrt, (p) => gradTexts.get(p)!, ", ")
      .map(([name, text]) => (text === name ? name : `${name}: ${text}`))
      .join(", ");
    this.lines.push(...this.storage.returnKeptArrays().map((line) => `  ${line}`));
    this.lines.push(`  return { ${field("value", value)}, grad: { ${gradFields} } };`);
    this.lines.push("}");
    return this.lines.join("\n");
  }

  // ----- statements -----

  private emitOps(region: Region, indent: string): void {
    for (const op of region.ops) this.emitOp(op, indent);
  }

  private comment(op: Op, indent: string): void {
    if (!this.plan.reverseOps.has(op) || !op.loc || op.loc.line === this.lastCommentedLine) return;
    this.lastCommentedLine = op.loc.line;
    this.lines.push("", `${indent}// adjoint of line ${op.loc.line}: ${op.loc.statement}`);
  }

  private emitOp(op: Op, indent: string): void {
    const result = op.results[0];
    if (op.opcode === "undef" || (result && this.plan.inlined.has(result))) return;
    if (op.opcode === "if" && !this.plan.ternaries.has(op)) {
      this.comment(op, indent);
      this.emitIf(op, indent);
      return;
    }
    if (op.opcode === "for") {
      this.comment(op, indent);
      this.emitFor(op, indent);
      return;
    }
    if (op.opcode === "while") {
      this.comment(op, indent);
      this.emitWhile(op, indent);
      return;
    }
    if (this.plan.isExpression(op) && result) {
      if (this.plan.usesOf(result).length === 0 && result.name === undefined) return;
      this.comment(op, indent);
      this.lines.push(`${indent}${this.declaration(result)} = ${this.expressions.printOp(op).text};`);
      return;
    }
    this.comment(op, indent);
    switch (op.opcode) {
      case "call":
        this.lines.push(
          result
            ? `${indent}${this.declaration(result)} = ${this.expressions.callText(op)};`
            : `${indent}${this.expressions.callText(op)};`,
        );
        return;
      case "cell.new": {
        if (this.plan.aliasOfCell(result!)) return;
        const keyword = this.plan.updatedCells.has(result!) ? "let" : "const";
        this.lines.push(
          `${indent}${keyword} ${this.names.of(result!)} = ${this.expressions.expression(op.operands[0]!).text};`,
        );
        return;
      }
      case "cell.add":
        this.lines.push(`${indent}${this.names.of(op.operands[0]!)} ${this.accumulation(op.operands[1]!)};`);
        return;
      case "cell.set":
        this.lines.push(
          `${indent}${this.names.of(op.operands[0]!)} = ${this.expressions.expression(op.operands[1]!).text};`,
        );
        return;
      case "array.zeros": {
        const length = this.expressions.expression(op.operands[0]!).text;
        this.lines.push(`${indent}${this.declaration(result!)} = ${this.storage.zerosAllocation(op, length)};`);
        return;
      }
      case "array.new": {
        const [length, fill] = op.operands as [Value, Value];
        const fillText = this.expressions.expression(fill).text;
        const allocation = this.storage.filledAllocation(op, this.expressions.expression(length).text, fillText);
        this.lines.push(`${indent}${this.declaration(result!)} = ${allocation};`);
        return;
      }
      case "array.zerosLike": {
        if (Array.isArray(op.attrs.fields)) {
          const zeros = nestedObjectText(
            (op.attrs.fields as readonly string[]).map((f) => [f, "0"]),
            ", ",
          );
          this.lines.push(
            `${indent}${this.declaration(result!)} = ${this.expressions.operand(op.operands[0]!, memberPrecedence)}.map(() => (${zeros}));`,
          );
          return;
        }
        const row = this.names.fresh(nameHints.row);
        const rows = String(op.attrs.rows);
        const zeros = rows === "Array" ? `new Array<number>(${row}.length).fill(0)` : `new ${rows}(${row}.length)`;
        this.lines.push(
          `${indent}${this.declaration(result!)} = ${this.expressions.operand(op.operands[0]!, memberPrecedence)}.map((${row}) => ${zeros});`,
        );
        this.names.release(row);
        return;
      }
      case "array.literal": {
        const elements = op.operands.map((v) => this.expressions.expression(v).text).join(", ");
        const declared = this.declaration(result!);
        this.lines.push(
          `${indent}${declared}${op.operands.length === 0 && declared.startsWith("const") ? ": number[]" : ""} = [${elements}];`,
        );
        return;
      }
      case "array.copy":
        this.lines.push(
          `${indent}${this.declaration(result!)} = ${this.expressions.operand(op.operands[0]!, memberPrecedence)}.slice();`,
        );
        return;
      case "array.set": {
        const [array, index, value] = op.operands as [Value, Value, Value];
        if (op.attrs.push === true) {
          this.lines.push(
            `${indent}${this.expressions.operand(array, memberPrecedence)}.push(${this.expressions.expression(value).text});`,
          );
          return;
        }
        this.lines.push(
          `${indent}${this.expressions.operand(array, memberPrecedence)}[${this.expressions.expression(index).text}] = ${this.expressions.expression(value).text};`,
        );
        return;
      }
      case "array.addAll": {
        const [target, source] = op.operands.map((v) => this.expressions.operand(v, memberPrecedence)) as [
          string,
          string,
        ];
        const k = this.names.fresh(nameHints.elementCounter);
        const scale =
          op.operands[2] === undefined
            ? ""
            : `${this.expressions.operand(op.operands[2], Precedence.multiplicative)} * `;
        this.lines.push(
          `${indent}for (let ${k} = 0; ${k} < ${source}.length; ${k}++) ${target}[${k}] += ${scale}${source}[${k}];`,
        );
        this.names.release(k);
        return;
      }
      case "array.add": {
        const [array, index, addend] = op.operands as [Value, Value, Value];
        this.lines.push(
          `${indent}${this.expressions.operand(array, memberPrecedence)}[${this.expressions.expression(index).text}]${fieldSuffix(op)} ${this.accumulation(addend)};`,
        );
        return;
      }
      case "stack.new":
        this.lines.push(...this.storage.stackDeclaration(op).map((line) => `${indent}${line}`));
        return;
      case "stack.push":
        this.lines.push(...this.storage.pushStatements(op).map((line) => `${indent}${line}`));
        return;
      case "stack.pop": {
        const popped = this.storage.poppedText(op);
        this.lines.push(`${indent}${this.declaration(result!)} = ${popped};`);
        return;
      }
      default:
        throw new Error(`cannot print op '${op.opcode}'`);
    }
  }

  /** `+= x`, or `-= x` when x is a negation or a negative literal. */
  private accumulation(addend: Value): string {
    const definition = this.plan.definitions.get(addend);
    const printed = this.expressions.expression(addend).text;
    if (definition?.op.opcode === "neg" && this.plan.inlined.has(addend))
      return `-= ${this.expressions.expression(definition.op.operands[0]!).text}`;
    if (definition?.op.opcode === "const" && printed.startsWith("-")) return `-= ${printed.slice(1)}`;
    return `+= ${printed}`;
  }

  /** `let s = init;` for each carried value of a loop. */
  private declareCarried(op: Op, indent: string): void {
    const { inits } = loopParts(op)!;
    op.results.forEach((result, j) => {
      if (this.plan.variableOf(inits[j]!) === this.plan.variableOf(result)) return;
      const unassigned = this.plan.definitions.get(inits[j]!)?.op.opcode === "undef";
      const init = unassigned ? defaultValue(result.type) : this.expressions.expression(inits[j]!).text;
      this.lines.push(`${indent}${this.plan.storage.has(result) ? "" : "let "}${this.names.of(result)} = ${init};`);
    });
  }

  /**
   * `while (condition) { ... }` when the condition region prints as one expression, otherwise
   * `while (true) { ...; if (!condition) break; ... }`.
   */
  private emitWhile(op: Op, indent: string): void {
    const { body, condition } = loopParts(op)!;
    this.declareCarried(op, indent);
    const test = condition!.yields[0]!;
    if (condition!.ops.every((inner) => inner.results.every((r) => this.plan.inlined.has(r)))) {
      this.lines.push(`${indent}while (${this.expressions.expression(test).text}) {`);
    } else {
      this.lines.push(`${indent}while (true) {`);
      this.emitOps(condition!, indent + "  ");
      this.lines.push(`${indent}  if (${negated(this.expressions.expression(test))}) break;`);
    }
    this.emitOps(body, indent + "  ");
    this.emitAssignments(op.results, loopParts(op)!.body.yields, indent + "  ");
    this.lines.push(`${indent}}`);
  }

  private emitFor(op: Op, indent: string): void {
    const [start, bound, step] = op.operands as [Value, Value, Value];
    const [body] = op.regions as [Region];
    this.declareCarried(op, indent);
    const counter = this.names.counter(body.params[0]!);
    const stepValue = this.plan.definitions.get(step)!.op.attrs.value as number;
    const update =
      stepValue === 1
        ? `${counter}++`
        : stepValue === -1
          ? `${counter}--`
          : stepValue > 0
            ? `${counter} += ${stepValue}`
            : `${counter} -= ${-stepValue}`;
    const condition = `${counter} ${comparisonOperators[String(op.attrs.comparison)]} ${this.expressions.operand(bound, Precedence.relational + 1)}`;
    this.lines.push(
      `${indent}for (let ${counter} = ${this.expressions.expression(start).text}; ${condition}; ${update}) {`,
    );
    this.emitOps(body, indent + "  ");
    this.emitAssignments(op.results, loopParts(op)!.body.yields, indent + "  ");
    this.lines.push(`${indent}}`);
    this.names.release(counter);
  }

  /**
   * `s = next;` for each carried value not computed in place. The assignments happen one after
   * another, so a next value that reads a variable assigned before it is saved first.
   */
  /**
   * `result = value;` for each pair whose value is not already in the result's variable. The
   * assignments happen one after another, so a value that reads a variable assigned before it
   * (a swap) is saved first.
   */
  private emitAssignments(results: Value[], values: Value[], indent: string): void {
    const pending = results.flatMap((result, j) => {
      const next = values[j]!;
      const skip =
        this.plan.variableOf(next) === this.plan.variableOf(result) ||
        this.plan.definitions.get(next)?.op.opcode === "undef";
      return skip ? [] : [{ result, next, text: this.expressions.expression(next).text }];
    });
    pending.forEach((assignment, k) => {
      const assignedBefore = pending.slice(0, k).map((earlier) => this.plan.variableOf(earlier.result));
      if (assignedBefore.some((variable) => this.plan.reads(assignment.next, variable))) {
        const saved = this.names.fresh(nameHints.temporary);
        this.lines.push(`${indent}const ${saved} = ${assignment.text};`);
        assignment.text = saved;
      }
    });
    for (const { result, text } of pending) this.lines.push(`${indent}${this.names.of(result)} = ${text};`);
  }

  /** `const x` for a new variable, or just `x` when the value is stored in an `if` result's variable. */
  private declaration(value: Value): string {
    return this.plan.storage.has(value) ? this.names.of(value) : `const ${this.names.of(value)}`;
  }

  private emitIf(op: Op, indent: string): void {
    const undefinedSomewhere = (j: number) =>
      op.regions.some((r) => this.plan.definitions.get(r.yields[j]!)?.op.opcode === "undef");
    op.results.forEach((result, j) => {
      if (this.plan.storage.has(result)) return;
      const name = this.names.of(result);
      if (result.type === "array") {
        // An array carried out of a branch for the reverse sweep, which reads it only there.
        this.lines.push(
          `${indent}let ${name}${undefinedSomewhere(j) ? "!" : ""}: ${arrayTypeText(this.plan, result)};`,
        );
      } else {
        this.lines.push(
          undefinedSomewhere(j)
            ? `${indent}let ${name} = ${defaultValue(result.type)};`
            : `${indent}let ${name}: ${result.type};`,
        );
      }
    });
    const branchLines = op.regions.map((region) => {
      const saved = this.lines.length;
      if (op.loc) this.lastCommentedLine = op.loc.line;
      this.emitOps(region, indent + "  ");
      this.emitAssignments(op.results, region.yields, indent + "  ");
      return this.lines.splice(saved);
    });
    const [thenLines, elseLines] = branchLines as [string[], string[]];
    const condition = this.expressions.expression(op.operands[0]!);
    if (thenLines.length === 0) {
      this.lines.push(`${indent}if (${negated(condition)}) {`, ...elseLines, `${indent}}`);
    } else if (elseLines.length === 0) {
      this.lines.push(`${indent}if (${condition.text}) {`, ...thenLines, `${indent}}`);
    } else if (this.isSingleIf(elseLines, indent + "  ")) {
      this.lines.push(
        `${indent}if (${condition.text}) {`,
        ...thenLines,
        `${indent}} else ${elseLines[0]!.trimStart()}`,
        ...elseLines.slice(1),
      );
    } else {
      this.lines.push(
        `${indent}if (${condition.text}) {`,
        ...thenLines,
        `${indent}} else {`,
        ...elseLines,
        `${indent}}`,
      );
    }
  }

  /** True when a branch holds one `if` statement and nothing else: it prints as `else if`. */
  private isSingleIf(lines: string[], indent: string): boolean {
    const topLevel = lines.filter((line) => line.startsWith(indent) && line[indent.length] !== " ");
    return (
      topLevel.length >= 2 &&
      topLevel[0]!.startsWith(`${indent}if (`) &&
      topLevel.slice(1, -1).every((line) => line.startsWith(`${indent}} else`)) &&
      topLevel[topLevel.length - 1] === `${indent}}` &&
      lines[lines.length - 1] === `${indent}}`
    );
  }
}
