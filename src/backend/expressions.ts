/**
 * Prints values as TypeScript expressions: a value the plan inlines is its op printed in place
 * (`a * b`, `x[i]`, `c ? a : b`, `f(x)`), any other value is its variable's name. Operands are
 * parenthesized only where their precedence requires it.
 *
 * Relies on: the plan (plan.ts) for what is inlined, the names (naming.ts) for variables.
 * Records: the top-level constants of the source the printed expressions read, which the
 * generated module declares.
 */
import { attrsOf } from "../ir/attrs.js";
import { nestedObjectText } from "../ir/objects.js";
import type { Op, Value } from "../ir/types.js";
import { Precedence, primitive } from "../rules/primitives.js";
import type { ValueNames } from "./naming.js";
import { operandOf, regionOf, yieldOf, zip } from "../ir/access.js";
import type { Plan } from "./plan.js";

export interface Printed {
  text: string;
  precedence: number;
}

/** The precedence of a name or a literal, which nothing needs to parenthesize. */
export const primaryPrecedence = 20;
/** The precedence of a member access, an element access or a call. */
export const memberPrecedence = 18;

/** The text of a number literal as the backend prints one. */
const numberLiteral = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/;

export function numberText(value: number): string {
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

/** `.x` after an element of an array of objects (the `field` of an `array.get` or `array.add`). */
export function fieldSuffix(field: string | undefined): string {
  return field === undefined ? "" : `.${field}`;
}

/** `!x`, or `!(a < b)`. */
export function negated(printed: Printed): string {
  return printed.precedence >= Precedence.prefix ? `!${printed.text}` : `!(${printed.text})`;
}

export class ExpressionPrinter {
  /** Top-level constants of the source the printed expressions read, by name, with their literals. */
  readonly moduleConstants = new Map<string, string>();

  constructor(
    private readonly plan: Plan,
    private readonly names: ValueNames,
  ) {}

  expression(value: Value): Printed {
    const definition = this.plan.definitions.get(value);
    if (definition && this.plan.inlined.has(value)) return this.printOp(definition.op);
    return { text: this.names.of(value), precedence: primaryPrecedence };
  }

  /** The operand printed so it binds at least as tightly as `minimum`. */
  operand(value: Value, minimum: number): string {
    const printed = this.expression(value);
    return printed.precedence >= minimum ? printed.text : `(${printed.text})`;
  }

  /** The expression computing the op's one result. */
  printOp(op: Op): Printed {
    const [first, second] = op.operands as [Value, Value];
    switch (op.opcode) {
      case "const":
        return this.constant(op);
      case "bool":
        return { text: String(attrsOf(op, "bool").value), precedence: primaryPrecedence };
      case "string":
        return { text: JSON.stringify(attrsOf(op, "string").value), precedence: primaryPrecedence };
      case "stop":
        return this.expression(first);
      case "cell.read":
        return this.cellRead(first);
      case "template":
        return this.template(op);
      case "if":
        return this.conditional(first, yieldOf(regionOf(op, 0), 0), yieldOf(regionOf(op, 1), 0));
      case "call":
        return { text: this.callText(op), precedence: memberPrecedence };
      case "array.get":
        return this.element(first, second, fieldSuffix(attrsOf(op, "array.get").field));
      case "object":
        return this.object(op);
      case "array.length":
        return this.member(first, ".length");
      case "field":
        return this.member(first, `.${attrsOf(op, "field").path}`);
      case "array.row":
        return this.element(first, second, "");
      default:
        return this.primitiveOp(op);
    }
  }

  conditional(condition: Value, whenTrue: Value, whenFalse: Value): Printed {
    // (a condition decided when printed, as a comparison of literals is below)
    const decided = this.expression(condition).text;
    if (decided === "true") return this.expression(whenTrue);
    if (decided === "false") return this.expression(whenFalse);
    const text = `${this.operand(condition, Precedence.or)} ? ${this.operand(whenTrue, Precedence.conditional)} : ${this.operand(whenFalse, Precedence.conditional)}`;
    return { text, precedence: Precedence.conditional };
  }

  /** `f(a, b)`, or `a.f(b)` for a method call. */
  callText(op: Op): string {
    const { callee, method } = attrsOf(op, "call");
    const args = op.operands.map((v) => this.expression(v).text);
    if (method !== true) return `${callee}(${args.join(", ")})`;
    const receiver = this.expression(operandOf(op, 0));
    const receiverText =
      receiver.precedence >= memberPrecedence && !/^[\d.]/.test(receiver.text) ? receiver.text : `(${receiver.text})`;
    return `${receiverText}.${callee}(${args.slice(1).join(", ")})`;
  }

  private constant(op: Op): Printed {
    const { value, text: spelled, definedAs } = attrsOf(op, "const");
    const text = spelled ?? numberText(value);
    if (definedAs !== undefined) this.moduleConstants.set(text, definedAs);
    return { text, precedence: text.startsWith("-") ? Precedence.prefix : primaryPrecedence };
  }

  private cellRead(cell: Value): Printed {
    const alias = this.plan.aliasOfCell(cell);
    return alias ? this.expression(alias) : { text: this.names.of(cell), precedence: primaryPrecedence };
  }

  /** A template literal, or `a + b` when it only joins two values, one of them a string. */
  private template(op: Op): Printed {
    const { quasis } = attrsOf(op, "template");
    const [a, b] = op.operands as [Value, Value];
    if (op.operands.length === 2 && quasis.every((q) => q === "") && (a.type === "string" || b.type === "string")) {
      const text = `${this.operand(a, Precedence.additive)} + ${this.operand(b, Precedence.additive + 1)}`;
      return { text, precedence: Precedence.additive };
    }
    const parts = op.operands.map((v, i) => `\${${this.expression(v).text}}${quasis[i + 1]}`);
    return { text: `\`${quasis[0]}${parts.join("")}\``, precedence: primaryPrecedence };
  }

  /** `{ x: a, pos: { y: b } }`. */
  private object(op: Op): Printed {
    const { fields } = attrsOf(op, "object");
    return {
      text: nestedObjectText(
        zip(fields, op.operands, "a field per operand").map(([field, v]) => [field, this.expression(v).text]),
        ", ",
      ),
      precedence: primaryPrecedence,
    };
  }

  /** `object` followed by an access to one of its members: `xs.length`, `p.x`. */
  private member(object: Value, access: string): Printed {
    return { text: `${this.operand(object, memberPrecedence)}${access}`, precedence: memberPrecedence };
  }

  /** An element of an array (`xs[i]`, `rows[i]`), or a field of it (`points[i].x`). */
  private element(array: Value, index: Value, field: string): Printed {
    const text = `${this.operand(array, memberPrecedence)}[${this.expression(index).text}]${field}`;
    return { text, precedence: memberPrecedence };
  }

  /** An operator or a function of the primitives' table (see rules/primitives.ts). */
  private primitiveOp(op: Op): Printed {
    const p = primitive(op.opcode)!;
    const [a, b] = op.operands as [Value, Value];
    // In adjoint code, a never-updated accumulator prints as its literal: `1 * x` is just `x`.
    if (op.opcode === "mul" && this.plan.reverseOps.has(op)) {
      if (this.expression(a).text === "1") return this.expression(b);
      if (this.expression(b).text === "1") return this.expression(a);
    }
    // An accumulator that prints as its literal may be compared with a literal (whether a
    // partial derivative is zero): the comparison is decided here, as TypeScript refuses one of
    // two literals.
    if (op.opcode === "eq" || op.opcode === "ne") {
      const [left, right] = [this.expression(a).text, this.expression(b).text];
      if (numberLiteral.test(left) && numberLiteral.test(right))
        return {
          text: String((Number(left) === Number(right)) === (op.opcode === "eq")),
          precedence: primaryPrecedence,
        };
    }
    switch (p.syntax.kind) {
      case "binary": {
        const level = p.syntax.precedence;
        const isExponent = p.syntax.operator === "**";
        const left = this.operand(a, isExponent ? level + 1 : level);
        // Left-associative operators keep explicit grouping on the right: a - (b - c), a * (b * c).
        const right = this.operand(b, isExponent ? level : level + 1);
        return { text: `${left} ${p.syntax.operator} ${right}`, precedence: level };
      }
      case "prefix": {
        const inner = this.operand(a, Precedence.prefix);
        const text = inner.startsWith(p.syntax.operator)
          ? `${p.syntax.operator}(${inner})`
          : `${p.syntax.operator}${inner}`;
        return { text, precedence: Precedence.prefix };
      }
      case "call":
        return {
          text: `${p.syntax.callee}(${op.operands.map((v) => this.expression(v).text).join(", ")})`,
          precedence: memberPrecedence,
        };
      case "conditional":
        return this.conditional(operandOf(op, 0), operandOf(op, 1), operandOf(op, 2));
    }
  }
}
