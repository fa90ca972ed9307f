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

function printOp(op: Op, names: ValueNames, indent: string, lines: string[]): void {
  const results = op.results.length > 0 ? `${op.results.map((r) => names.of(r)).join(", ")} = ` : "";
  const operands = op.operands.map((v) => names.of(v)).join(", ");
  const attrs = Object.keys(op.attrs)
    .sort()
    .map((key) => `${key}=${formatAttr(op.attrs[key])}`)
    .join(" ");
  const types = op.opcode === "if" && op.results.length > 0 ? ` -> (${op.results.map((r) => r.type).join(", ")})` : "";
  const text = `${indent}${results}${op.opcode}${operands ? " " + operands : ""}${attrs ? " {" + attrs + "}" : ""}${types}`;
  if (op.regions.length === 0) {
    lines.push(op.loc ? `${text.padEnd(48)} // line ${op.loc.line}` : text);
    return;
  }
  op.regions.forEach((region, i) => {
    lines.push(`${i === 0 ? text : indent + "}" + (op.opcode === "if" ? " else" : "")} {${paramList(region, names)}`);
    printRegion(region, names, indent + "  ", lines);
  });
  lines.push(`${indent}}${op.loc ? `  // line ${op.loc.line}` : ""}`);
}

function paramList(region: Region, names: ValueNames): string {
  return region.params.length === 0 ? "" : ` (${region.params.map((p) => `${names.of(p)}: ${p.type}`).join(", ")})`;
}

function printRegion(region: Region, names: ValueNames, indent: string, lines: string[]): void {
  for (const op of region.ops) printOp(op, names, indent, lines);
  lines.push(`${indent}yield${region.yields.length ? " " + region.yields.map((v) => names.of(v)).join(", ") : ""}`);
}

/** `reverseSweepStart`: index of the body's first reverse-sweep op, marked with a comment. */
export function printFunction(fn: IRFunction, reverseSweepStart?: number): string {
  const names = new ValueNames();
  const params = fn.params
    .map((p) => `${names.of(p.value)}: ${p.typeText}${p.differentiated ? " (wrt)" : ""}`)
    .join(", ");
  const lines = [`func @${fn.name}(${params}) {`];
  if (reverseSweepStart === undefined) {
    printRegion(fn.body, names, "  ", lines);
  } else {
    fn.body.ops.forEach((op, i) => {
      if (i === reverseSweepStart) lines.push("  // reverse sweep");
      printOp(op, names, "  ", lines);
    });
    lines.push(`  yield ${fn.body.yields.map((v) => names.of(v)).join(", ")}`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
