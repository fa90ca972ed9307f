/**
 * Where a diagnostic raised inside a package's code is reported: at the statement of the user's
 * function whose call led there, which is what the user can change, with the package's file and
 * line in the message, so that the construct refused can still be found.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { LoweringContext } from "./context.js";
import { isPackageFile } from "./library.js";
import { locate } from "./program.js";

type Located = Pick<Diagnostic, "file" | "line" | "column" | "sourceLine">;

/** The location and message a diagnostic at `located` is reported with. */
export function reportedInUserCode(
  cx: LoweringContext,
  located: Located,
  message: string,
): Located & { message: string } {
  const call = cx.builder.loc;
  if (!isPackageFile(located.file) || cx.inlined.length === 0 || !call) return { ...located, message };
  const userFile = cx.fn.node.getSourceFile();
  const position = userFile.getPositionOfLineAndCharacter(call.line - 1, call.column - 1);
  return {
    ...locate(userFile, position),
    message: `${message}, in package code (${located.file}:${located.line}:${located.column}) this call runs`,
  };
}
