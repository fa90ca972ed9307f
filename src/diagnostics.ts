/**
 * Diagnostics: every problem the compiler reports, with a stable code, a location in the user's
 * source and a hint saying what to do. The README's table is generated from the same codes.
 */

export const diagnosticCodes = {
  AD1001: "syntax error in the input",
  AD1002: "type error in the input",
  AD1003: "statement not supported in a differentiable function",
  AD1004: "expression not supported in a differentiable function",
  AD1005: "call without a derivative on the path to the result",
  AD1006: "eval or Function in a differentiable function",
  AD1007: "number converted to a string on the path to the result",
  AD1008: "generator or async function marked differentiable",
  AD1009: "type not supported in a differentiable function",
  AD1010:
    "wrt names a parameter that cannot be differentiated, or a call passes a derivative its callee's wrt leaves out",
  AD1011: "malformed or misplaced @differentiable tag",
  AD1012: "no @differentiable function in the file",
  AD1013: "malformed or unusable @derivative rule",
  AD1014:
    "a forward-mode function, or a Hessian or Jacobian a tag asks for, cannot be generated (a warning for the fJvp made for every function)",
} as const;

export type DiagnosticCode = keyof typeof diagnosticCodes;

export interface Diagnostic {
  code: DiagnosticCode;
  severity: "error" | "warning";
  message: string;
  hint: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The text of the source line, for the caret display. */
  sourceLine: string;
}

/** Thrown while compiling one function; caught per function so every function is reported.
 * `others` are the function's errors after the first, when lowering went on past it. */
export class DiagnosticError extends Error {
  constructor(
    readonly diagnostic: Diagnostic,
    readonly others: readonly Diagnostic[] = [],
  ) {
    super(diagnostic.message);
  }
}

/** `file.ts:3:14 - error AD1004: message`, the source line, a caret, and the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const gutter = String(d.line);
  const caretLine =
    " ".repeat(gutter.length) + "   " + d.sourceLine.slice(0, d.column - 1).replace(/[^\t]/g, " ") + "^";
  return [
    `${d.file}:${d.line}:${d.column} - ${d.severity} ${d.code}: ${d.message}`,
    "",
    `${gutter}   ${d.sourceLine}`,
    caretLine,
    `  hint: ${d.hint}`,
    "",
  ].join("\n");
}
