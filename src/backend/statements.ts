/**
 * Prints a gradient function's statements, one printer per kind of op, and the function around
 * them: its signature, and its `return { value, grad: { param: adjoint, ... } }`.
 * - An op the plan prints as an expression is the initializer of its `const` (or is assigned to
 *   the shared variable it is stored in); one it inlines prints nothing here.
 * - An `if` declares its results with `let` and assigns them in each branch; a loop declares its
 *   carried values with `let` and assigns them at the end of its body.
 * - Cells are `let` variables updated with `+=` / `-=` (a `const` when never updated).
 * - Each group of reverse-sweep statements is preceded by a comment naming the source line it is
 *   the adjoint of.
 *
 * Relies on: the plan (plan.ts), the names (naming.ts), the expression printer (expressions.ts),
 * and storage.ts for the statements on stacks and the allocations of arrays.
 */
import { attrsOf, type OpAttrs } from "../ir/attrs.js";
import { loopParts } from "../ir/loops.js";
import { nestedObjectText, type SourceParam, sourceParams } from "../ir/objects.js";
import type { IRFunction, Op, Param, Region, Type, Value } from "../ir/types.js";
import { Precedence } from "../rules/primitives.js";
import { type ExpressionPrinter, fieldSuffix, memberPrecedence, negated } from "./expressions.js";
import { nameHints, type ValueNames } from "./naming.js";
import { at, operandOf, resultOf, yieldOf, zip } from "../ir/access.js";
import type { Plan } from "./plan.js";
import { arrayTypeText, gradientType, type Storage } from "./storage.js";

const comparisonOperators: Record<OpAttrs["for"]["comparison"], string> = { lt: "<", le: "<=", gt: ">", ge: ">=" };

/** The value a variable starts with before a branch or loop entry that does not set it. */
function defaultValue(type: Type): string {
  return type === "boolean" ? "false" : type === "string" ? '""' : "0";
}

/** `key: text`, or the shorthand `key` when the text is the key. */
function property(key: string, text: string): string {
  return text === key ? key : `${key}: ${text}`;
}

/** The IR parameter of a source parameter that is no object. */
function plainParam({ name, params }: SourceParam): Param {
  return at(params, 0, `the IR parameter of '${name}'`);
}

/** Each source parameter's name and text: an object parameter's text is built from `text` of
 * each leaf, nested. */
function sourceParamTexts(params: Param[], text: (p: Param) => string, separator: "; " | ", "): [string, string][] {
  return sourceParams(params).map((source) => [
    source.name,
    source.object
      ? nestedObjectText(
          source.params.map((p) => [p.field!.path, text(p)]),
          separator,
        )
      : text(plainParam(source)),
  ]);
}

/** `i++`, `i--`, `i += 2`, `i -= 2`. */
function counterUpdate(counter: string, step: number): string {
  if (step === 1) return `${counter}++`;
  if (step === -1) return `${counter}--`;
  return step > 0 ? `${counter} += ${step}` : `${counter} -= ${-step}`;
}

export class StatementPrinter {
  private readonly lines: string[] = [];
  /** The source line the last comment named: the statements of one line share one comment. */
  private lastCommentedLine = -1;

  constructor(
    private readonly plan: Plan,
    private readonly names: ValueNames,
    private readonly expressions: ExpressionPrinter,
    private readonly storage: Storage,
  ) {}

  /** The whole function, as lines joined. Prints once. */
  printFunction(): string {
    const { fn } = this.plan;
    const derivatives = fn.body.yields.slice(1);
    this.names.claimFixedNames();
    const wrt = fn.params.filter((p) => p.differentiated);
    const fields = this.resultFields(wrt, derivatives);
    const out = fn.result === undefined ? this.storage.outParameter(wrt) : undefined;
    const params = [...this.paramTexts(), ...(out === undefined ? [] : [out])];
    const type = fields.map(([key, fieldType]) => `${key}: ${fieldType}`).join("; ");
    this.lines.push(`export function ${fn.name}(${params.join(", ")}): { ${type} } {`);
    this.pushAll("  ", this.names.entryReads);
    this.pushAll("  ", this.storage.takeKeptArrays());
    this.emitOps(fn.body, "  ");
    const texts = fields.map(([key, , text]) => property(key, text())).join(", ");
    this.pushAll("  ", this.storage.returnKeptArrays());
    this.lines.push(`  return { ${texts} };`, "}");
    return this.lines.join("\n");
  }

  /**
   * The fields of the returned object, each with its type and its text (printed once the body
   * is): `value` and then `grad` (one adjoint per differentiated parameter), `tangent` (forward
   * mode), or `grad` and `hvp` (a Hessian-vector product).
   */
  private resultFields(wrt: Param[], derivatives: Value[]): [string, string, () => string][] {
    const { fn } = this.plan;
    const [value] = fn.body.yields as [Value];
    const valueField: [string, string, () => string] = ["value", valueTypeText(fn), () => this.text(value)];
    const byParam = (key: string, adjoints: Value[]): [string, string, () => string] => {
      const type = sourceParamTexts(wrt, gradientType, "; ")
        .map(([name, paramType]) => `${name}: ${paramType}`)
        .join("; ");
      const text = () => {
        const texts = new Map(
          zip(wrt, adjoints, "a derivative per differentiated parameter").map(([p, v]) => [p, this.text(v)]),
        );
        return `{ ${sourceParamTexts(wrt, (p) => texts.get(p)!, ", ")
          .map(([name, t]) => property(name, t))
          .join(", ")} }`;
      };
      return [key, `{ ${type} }`, text];
    };
    if (fn.result === "tangent") {
      const tangent = at(derivatives, 0, "tangent");
      return [valueField, ["tangent", this.typeOf(tangent), () => this.text(tangent)]];
    }
    if (fn.result === "hvp") {
      return [
        valueField,
        byParam("grad", derivatives.slice(0, wrt.length)),
        byParam("hvp", derivatives.slice(wrt.length)),
      ];
    }
    return [valueField, byParam("grad", derivatives)];
  }

  /** The TypeScript type of a returned value: a number, an array, or an object of them. */
  private typeOf(value: Value): string {
    if (value.type === "number") return "number";
    if (value.type === "array") return arrayTypeText(this.plan, value);
    const { op } = this.plan.definitions.get(value)!;
    const fields = attrsOf(op, "object").fields;
    return nestedObjectText(
      op.operands.map((leaf, i) => [at(fields, i, "field"), this.typeOf(leaf)]),
      "; ",
    );
  }

  /** A function computing the value only (a specialised copy's primal), printed once. */
  printPrimalFunction(): string {
    const { fn } = this.plan;
    const [value] = fn.body.yields as [Value];
    this.names.claimFixedNames();
    this.lines.push(`function ${fn.name}(${this.paramTexts().join(", ")}): ${valueTypeText(fn)} {`);
    this.pushAll("  ", this.storage.takeKeptArrays());
    this.emitOps(fn.body, "  ");
    this.pushAll("  ", this.storage.returnKeptArrays());
    this.lines.push(`  return ${this.expressions.expression(value).text};`, "}");
    return this.lines.join("\n");
  }

  /** The parameters of the signature, as `name: type`. */
  private paramTexts(): string[] {
    const { fn } = this.plan;
    return sourceParams(fn.params).map((source) => {
      if (!source.object) {
        const param = plainParam(source);
        const initializer = param.defaultText === undefined ? "" : ` = ${param.defaultText}`;
        return `${param.rest ? "..." : ""}${this.names.of(param.value)}: ${param.typeText}${initializer}`;
      }
      const type = nestedObjectText(
        source.params.map((p) => [p.field!.path, p.typeText]),
        "; ",
      );
      return `${this.names.objectParam(source.name)}: ${type}`;
    });
  }

  private pushAll(indent: string, statements: string[]): void {
    this.lines.push(...statements.map((statement) => `${indent}${statement}`));
  }

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
    if (result && this.plan.isExpression(op)) {
      // (a value nothing reads and the source does not name is not printed at all)
      if (this.plan.usesOf(result).length === 0 && result.name === undefined) return;
      this.comment(op, indent);
      this.lines.push(`${indent}${this.declaration(result)} = ${this.expressions.printOp(op).text};`);
      return;
    }
    this.comment(op, indent);
    switch (op.opcode) {
      case "if":
        return this.emitIf(op, indent);
      case "for":
        return this.emitFor(op, indent);
      case "while":
        return this.emitWhile(op, indent);
      case "call":
        return this.emitCall(op, indent);
      case "cell.new":
        return this.emitCell(op, indent);
      case "cell.add":
        return this.line(indent, `${this.names.of(operandOf(op, 0))} ${this.accumulation(operandOf(op, 1))}`);
      case "cell.set":
        return this.line(indent, `${this.names.of(operandOf(op, 0))} = ${this.text(operandOf(op, 1))}`);
      case "array.zeros":
        return this.emitZeros(op, indent);
      case "array.new":
        return this.emitFilled(op, indent);
      case "array.zerosLike":
        return this.emitZerosLike(op, indent);
      case "array.literal":
        return this.emitArrayLiteral(op, indent);
      case "array.copy":
        return this.line(indent, `${this.declaration(resultOf(op))} = ${this.member(operandOf(op, 0))}.slice()`);
      case "array.set":
        return this.emitArraySet(op, indent);
      case "array.add":
        return this.emitArrayAdd(op, indent);
      case "array.addAll":
        return this.emitAddAll(op, indent);
      case "stack.new":
        return this.pushAll(indent, this.storage.stackDeclaration(op));
      case "stack.push":
        return this.pushAll(indent, this.storage.pushStatements(op));
      case "stack.pop":
        return this.emitPop(op, indent);
      default:
        throw new Error(`cannot print op '${op.opcode}'`);
    }
  }

  /** Pushes the statement `text;`. */
  private line(indent: string, text: string): void {
    this.lines.push(`${indent}${text};`);
  }

  private text(value: Value): string {
    return this.expressions.expression(value).text;
  }

  /** The value printed so that a member access may follow it. */
  private member(value: Value): string {
    return this.expressions.operand(value, memberPrecedence);
  }

  /** `const x` for a new variable, or just `x` when the value is stored in an `if` result's variable. */
  private declaration(value: Value): string {
    return this.plan.storedIn.has(value) ? this.names.of(value) : `const ${this.names.of(value)}`;
  }

  // ----- calls, cells and arrays -----

  private emitCall(op: Op, indent: string): void {
    if (attrsOf(op, "call").throws === true) return this.line(indent, `throw new ${this.expressions.callText(op)}`);
    const result = op.results[0];
    this.line(
      indent,
      result ? `${this.declaration(result)} = ${this.expressions.callText(op)}` : this.expressions.callText(op),
    );
  }

  private emitCell(op: Op, indent: string): void {
    const cell = resultOf(op);
    if (this.plan.aliasOfCell(cell)) return;
    const keyword = this.plan.updatedCells.has(cell) ? "let" : "const";
    this.line(indent, `${keyword} ${this.names.of(cell)} = ${this.text(operandOf(op, 0))}`);
  }

  /** `+= x`, or `-= x` when x is a negation or a negative literal. */
  private accumulation(addend: Value): string {
    const definition = this.plan.definitions.get(addend);
    const printed = this.text(addend);
    if (definition?.op.opcode === "neg" && this.plan.inlined.has(addend))
      return `-= ${this.text(operandOf(definition.op, 0))}`;
    if (definition?.op.opcode === "const" && printed.startsWith("-")) return `-= ${printed.slice(1)}`;
    return `+= ${printed}`;
  }

  private emitZeros(op: Op, indent: string): void {
    const length = this.text(operandOf(op, 0));
    this.line(indent, `${this.declaration(resultOf(op))} = ${this.storage.zerosAllocation(op, length)}`);
  }

  private emitFilled(op: Op, indent: string): void {
    const [length, fill] = op.operands as [Value, Value];
    const fillText = this.text(fill);
    const allocation = this.storage.filledAllocation(op, this.text(length), fillText);
    this.line(indent, `${this.declaration(resultOf(op))} = ${allocation}`);
  }

  /** The zeroed adjoint of an array of objects (`xs.map(() => ({ x: 0 }))`) or of rows. */
  private emitZerosLike(op: Op, indent: string): void {
    const result = resultOf(op);
    const { fields, rows } = attrsOf(op, "array.zerosLike");
    if (fields !== undefined) {
      const zeros = nestedObjectText(
        fields.map((f) => [f, "0"]),
        ", ",
      );
      this.line(indent, `${this.declaration(result)} = ${this.member(operandOf(op, 0))}.map(() => (${zeros}))`);
      return;
    }
    if (rows === undefined) throw new Error("an array.zerosLike has attrs.rows or attrs.fields");
    const row = this.names.fresh(nameHints.row);
    const zeros = rows === "Array" ? `new Array<number>(${row}.length).fill(0)` : `new ${rows}(${row}.length)`;
    this.line(indent, `${this.declaration(result)} = ${this.member(operandOf(op, 0))}.map((${row}) => ${zeros})`);
    this.names.release(row);
  }

  private emitArrayLiteral(op: Op, indent: string): void {
    const elements = op.operands.map((v) => this.text(v)).join(", ");
    const declared = this.declaration(resultOf(op));
    // (an empty literal declared here needs its type: TypeScript would infer `never[]`)
    const type = op.operands.length === 0 && declared.startsWith("const") ? ": number[]" : "";
    this.line(indent, `${declared}${type} = [${elements}]`);
  }

  private emitArraySet(op: Op, indent: string): void {
    const [array, index, value] = op.operands as [Value, Value, Value];
    if (attrsOf(op, "array.set").push === true) {
      this.line(indent, `${this.member(array)}.push(${this.text(value)})`);
      return;
    }
    this.line(indent, `${this.member(array)}[${this.text(index)}] = ${this.text(value)}`);
  }

  private emitArrayAdd(op: Op, indent: string): void {
    const [array, index, addend] = op.operands as [Value, Value, Value];
    const field = fieldSuffix(attrsOf(op, "array.add").field);
    this.line(indent, `${this.member(array)}[${this.text(index)}]${field} ${this.accumulation(addend)}`);
  }

  /** `for (let k = 0; k < source.length; k++) target[k] += scale * source[k];` */
  private emitAddAll(op: Op, indent: string): void {
    const [target, source] = op.operands.map((v) => this.member(v)) as [string, string];
    const k = this.names.fresh(nameHints.elementCounter);
    const scale =
      op.operands[2] === undefined ? "" : `${this.expressions.operand(op.operands[2], Precedence.multiplicative)} * `;
    const bound = attrsOf(op, "array.addAll").upToShorter
      ? `Math.min(${target}.length, ${source}.length)`
      : `${source}.length`;
    this.line(indent, `for (let ${k} = 0; ${k} < ${bound}; ${k}++) ${target}[${k}] += ${scale}${source}[${k}]`);
    this.names.release(k);
  }

  private emitPop(op: Op, indent: string): void {
    const popped = this.storage.poppedText(op);
    this.line(indent, `${this.declaration(resultOf(op))} = ${popped}`);
  }

  // ----- control flow -----

  /** `let s = init;` for each carried value of a loop. */
  private declareCarried(op: Op, indent: string): void {
    const { inits } = loopParts(op)!;
    zip(op.results, inits, "an initial value per loop result").forEach(([result, initial]) => {
      if (this.plan.variableOf(initial) === this.plan.variableOf(result)) return;
      const init = this.plan.isUndefined(initial) ? defaultValue(result.type) : this.text(initial);
      this.line(indent, `${this.plan.storedIn.has(result) ? "" : "let "}${this.names.of(result)} = ${init}`);
    });
  }

  /**
   * `while (condition) { ... }` when the condition region prints as one expression, otherwise
   * `while (true) { ...; if (!condition) break; ... }`.
   */
  private emitWhile(op: Op, indent: string): void {
    const { body, condition } = loopParts(op)!;
    if (!condition) throw new Error("a while loop has a condition region");
    this.declareCarried(op, indent);
    const test = yieldOf(condition, 0);
    if (condition.ops.every((inner) => inner.results.every((r) => this.plan.inlined.has(r)))) {
      this.lines.push(`${indent}while (${this.text(test)}) {`);
    } else {
      this.lines.push(`${indent}while (true) {`);
      this.emitOps(condition, indent + "  ");
      this.lines.push(`${indent}  if (${negated(this.expressions.expression(test))}) break;`);
    }
    this.emitOps(body, indent + "  ");
    this.emitAssignments(op.results, body.yields, indent + "  ");
    this.lines.push(`${indent}}`);
  }

  private emitFor(op: Op, indent: string): void {
    const [start, bound, step] = op.operands as [Value, Value, Value];
    const [body] = op.regions as [Region];
    this.declareCarried(op, indent);
    const counter = this.names.counter(at(body.params, 0, "the counter parameter of a for loop"));
    // (a step is a `const`: loops count by the source's literal step, reversed loops by its negation)
    const update = counterUpdate(counter, attrsOf(this.plan.definitions.get(step)!.op, "const").value);
    const comparison = comparisonOperators[attrsOf(op, "for").comparison];
    const condition = `${counter} ${comparison} ${this.expressions.operand(bound, Precedence.relational + 1)}`;
    this.lines.push(`${indent}for (let ${counter} = ${this.text(start)}; ${condition}; ${update}) {`);
    this.emitOps(body, indent + "  ");
    this.emitAssignments(op.results, body.yields, indent + "  ");
    this.lines.push(`${indent}}`);
    this.names.release(counter);
  }

  /**
   * `result = value;` for each pair whose value is not already in the result's variable. The
   * assignments happen one after another, so a value that reads a variable assigned before it
   * (a swap) is saved first.
   */
  private emitAssignments(results: Value[], values: Value[], indent: string): void {
    const pending = zip(results, values, "a value per result").flatMap(([result, next]) => {
      const skip = this.plan.variableOf(next) === this.plan.variableOf(result) || this.plan.isUndefined(next);
      return skip ? [] : [{ result, next, text: this.text(next) }];
    });
    pending.forEach((assignment, k) => {
      const assignedBefore = pending.slice(0, k).map((earlier) => this.plan.variableOf(earlier.result));
      if (assignedBefore.some((variable) => this.plan.reads(assignment.next, variable))) {
        const saved = this.names.fresh(nameHints.temporary);
        this.line(indent, `const ${saved} = ${assignment.text}`);
        assignment.text = saved;
      }
    });
    for (const { result, text } of pending) this.line(indent, `${this.names.of(result)} = ${text}`);
  }

  private emitIf(op: Op, indent: string): void {
    this.declareIfResults(op, indent);
    const [thenLines, elseLines] = op.regions.map((region) => {
      const saved = this.lines.length;
      if (op.loc) this.lastCommentedLine = op.loc.line;
      this.emitOps(region, indent + "  ");
      this.emitAssignments(op.results, region.yields, indent + "  ");
      return this.lines.splice(saved);
    }) as [string[], string[]];
    const condition = this.expressions.expression(operandOf(op, 0));
    const [firstElseLine, ...restOfElse] = elseLines;
    if (thenLines.length === 0) {
      this.lines.push(`${indent}if (${negated(condition)}) {`, ...elseLines, `${indent}}`);
    } else if (firstElseLine === undefined) {
      this.lines.push(`${indent}if (${condition.text}) {`, ...thenLines, `${indent}}`);
    } else if (this.isSingleIf(elseLines, indent + "  ")) {
      this.lines.push(
        `${indent}if (${condition.text}) {`,
        ...thenLines,
        `${indent}} else ${firstElseLine.trimStart()}`,
        ...restOfElse,
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

  /** `let r: number;` for each result of an `if` not stored in a variable declared before. */
  private declareIfResults(op: Op, indent: string): void {
    // (a branch may yield the result of an `if` nested in it, one of whose branches leaves it unset)
    const unsetSomewhere = (value: Value): boolean => {
      if (this.plan.isUndefined(value)) return true;
      const definition = this.plan.definitions.get(value)?.op;
      if (definition?.opcode !== "if") return false;
      const j = definition.results.indexOf(value);
      return definition.regions.some((r) => unsetSomewhere(yieldOf(r, j)));
    };
    const undefinedSomewhere = (j: number) => op.regions.some((r) => unsetSomewhere(yieldOf(r, j)));
    op.results.forEach((result, j) => {
      if (this.plan.storedIn.has(result)) return;
      const name = this.names.of(result);
      if (result.type === "array") {
        // An array carried out of a branch for the reverse sweep, which reads it only there.
        this.line(indent, `let ${name}${undefinedSomewhere(j) ? "!" : ""}: ${arrayTypeText(this.plan, result)}`);
      } else {
        this.line(
          indent,
          undefinedSomewhere(j) ? `let ${name} = ${defaultValue(result.type)}` : `let ${name}: ${result.type}`,
        );
      }
    });
  }

  /** True when a branch holds one `if` statement and nothing else: it prints as `else if`. */
  private isSingleIf(lines: string[], indent: string): boolean {
    const topLevel = lines.filter((line) => line.startsWith(indent) && line[indent.length] !== " ");
    const [first] = topLevel;
    return (
      first !== undefined &&
      topLevel.length >= 2 &&
      first.startsWith(`${indent}if (`) &&
      topLevel.slice(1, -1).every((line) => line.startsWith(`${indent}} else`)) &&
      topLevel[topLevel.length - 1] === `${indent}}` &&
      lines[lines.length - 1] === `${indent}}`
    );
  }
}

/** The type of what the source function returns: a number, an array or an object type. */
function valueTypeText(fn: IRFunction): string {
  if (fn.returnsObject !== undefined) return fn.returnsObject;
  if (fn.returnsArray === undefined) return "number";
  return fn.returnsArray === "Array" ? "number[]" : fn.returnsArray;
}
