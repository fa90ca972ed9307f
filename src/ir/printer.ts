/**
 * Prints IR as deterministic text, for `adjoint --dump-ir`, golden files and verifier messages.
 *
 *   func @f(%x: number, %n: number) {
 *     %a = mul %x, %x              // line 3
 *     %r = if %c -> (number) { ... } else { ... }
 *     yield %r
 *   }
 *
 * Value names come from the user's names where there are any (`%a`, then `%a.1` for a later
 * version of the same variable), otherwise from a counter (`%0`, `%1`, ...).
 */
import type { IRFunction, Op, Region, Value } from "./types.js";

class ValueNames {
  private readonly names = new Map<Value, string>();
  private readonly versions = new Map<string, number>();
  private anonymous = 0;

  of(value: Value): string {
    let name = this.names.get(value);
    if (name === undefined) {
      if (value.name === undefined) {
        name = `%${this.anonymous++}`;
      } else {
        const version = this.versions.get(value.name) ?? 0;
        this.versions.set(value.name, version + 1);
        name = version === 0 ? `%${value.name}` : `%${value.name}.${version}`;
      }
      this.names.set(value, name);
    }
    return name;
  }
}

function formatAttr(value: unknown): string {
  return JSON.stringify(value);
}

/** What a print adds to the plain text: a note after chosen ops, lines after the function, and
 * where each op's line is. */
export interface PrintOptions {
  /** Index of the body's first reverse-sweep op, marked with a comment. */
  reverseSweepStart?: number;
  /** Text appended to an op's first line (an analysis's finding about the op), if any. */
  note?: (op: Op) => string | undefined;
  /** Lines printed after the function, naming values as the function's text does. */
  trailer?: (name: (value: Value) => string) => string[];
}

class Printout {
  readonly lines: string[] = [];
  /** The index in `lines` of each op's first line. */
  readonly lineOf = new Map<Op, number>();
  constructor(readonly options: PrintOptions) {}

  add(op: Op, line: string): void {
    this.lineOf.set(op, this.lines.length);
    const note = this.options.note?.(op);
    this.lines.push(note === undefined ? line : `${line}  ; ${note}`);
  }
}

function printOp(op: Op, names: ValueNames, indent: string, out: Printout): void {
  const results = op.results.length > 0 ? `${op.results.map((r) => names.of(r)).join(", ")} = ` : "";
  const operands = op.operands.map((v) => names.of(v)).join(", ");
  const attrs = Object.keys(op.attrs)
    .sort()
    .map((key) => `${key}=${formatAttr(op.attrs[key])}`)
    .join(" ");
  const types = op.opcode === "if" && op.results.length > 0 ? ` -> (${op.results.map((r) => r.type).join(", ")})` : "";
  const text = `${indent}${results}${op.opcode}${operands ? " " + operands : ""}${attrs ? " {" + attrs + "}" : ""}${types}`;
  if (op.regions.length === 0) {
    out.add(op, op.loc ? `${text.padEnd(48)} // line ${op.loc.line}` : text);
    return;
  }
  op.regions.forEach((region, i) => {
    const opening = `${i === 0 ? text : indent + "}" + (op.opcode === "if" ? " else" : "")} {${paramList(region, names)}`;
    if (i === 0) out.add(op, opening);
    else out.lines.push(opening);
    printRegion(region, names, indent + "  ", out);
  });
  out.lines.push(`${indent}}${op.loc ? `  // line ${op.loc.line}` : ""}`);
}

function paramList(region: Region, names: ValueNames): string {
  return region.params.length === 0 ? "" : ` (${region.params.map((p) => `${names.of(p)}: ${p.type}`).join(", ")})`;
}

function printRegion(region: Region, names: ValueNames, indent: string, out: Printout): void {
  for (const op of region.ops) printOp(op, names, indent, out);
  out.lines.push(`${indent}yield${region.yields.length ? " " + region.yields.map((v) => names.of(v)).join(", ") : ""}`);
}

/** `reverseSweepStart`: index of the body's first reverse-sweep op, marked with a comment. */
export function printFunction(fn: IRFunction, reverseSweepStart?: number): string {
  return printLines(fn, reverseSweepStart === undefined ? {} : { reverseSweepStart }).lines.join("\n") + "\n";
}

/** The function with an analysis's findings: notes after ops, and lines after the function. */
export function printAnnotated(fn: IRFunction, options: PrintOptions): string {
  return printLines(fn, options).lines.join("\n") + "\n";
}

/**
 * The lines around `op` (`context` either side), the op's own marked with `>`: what a verifier
 * failure shows first, as the op may sit deep in a long function.
 */
export function printAround(fn: IRFunction, op: Op, context = 4): string | undefined {
  const printout = printLines(fn, {});
  const at = printout.lineOf.get(op);
  if (at === undefined) return undefined;
  const first = Math.max(0, at - context);
  return printout.lines
    .slice(first, at + context + 1)
    .map((line, i) => `${first + i === at ? ">" : " "} ${line}`)
    .join("\n");
}

function printLines(fn: IRFunction, options: PrintOptions): Printout {
  const out = new Printout(options);
  const reverseSweepStart = options.reverseSweepStart;
  const names = new ValueNames();
  const params = fn.params
    .map((p) => `${names.of(p.value)}: ${p.typeText}${p.differentiated ? " (wrt)" : ""}`)
    .join(", ");
  out.lines.push(`func @${fn.name}(${params}) {`);
  if (reverseSweepStart === undefined) {
    printRegion(fn.body, names, "  ", out);
  } else {
    fn.body.ops.forEach((op, i) => {
      if (i === reverseSweepStart) out.lines.push("  // reverse sweep");
      printOp(op, names, "  ", out);
    });
    out.lines.push(`  yield ${fn.body.yields.map((v) => names.of(v)).join(", ")}`);
  }
  out.lines.push("}");
  if (options.trailer) out.lines.push(...options.trailer((value) => names.of(value)));
  return out;
}
