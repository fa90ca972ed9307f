/**
 * The command line: argument parsing, printing diagnostics, and writing (or checking) files.
 * Exit codes: 0 ok, 1 diagnostics or stale output, 2 internal error.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { formatDiagnostic } from "./diagnostics.js";
import { compile } from "./index.js";
import { displayPath } from "./frontend/program.js";

const usage = `Usage: adjoint [options] <files...>

Writes <name>.grad.ts beside each input file, holding the gradient of every function marked
@differentiable.

Options:
  --out-dir <dir>  write the generated files into <dir> instead
  --check          write nothing; exit 1 when a generated file is missing or out of date
  --dump-ir        print the primal and adjoint IR of each function instead of writing files
  --debug          print stack traces of internal errors
  --version        print the version
  --help           print this help
`;

function version(): string {
  const packageJson = new URL("../package.json", import.meta.url);
  return (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "out-dir": { type: "string" },
        check: { type: "boolean" },
        "dump-ir": { type: "boolean" },
        debug: { type: "boolean" },
        version: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    process.stderr.write(`adjoint: ${(error as Error).message}\n\n${usage}`);
    return 1;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write(`adjoint: no input files\n\n${usage}`);
    return 1;
  }
  const missing = positionals.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    for (const file of missing) process.stderr.write(`adjoint: cannot read '${file}': no such file\n`);
    return 1;
  }
  try {
    const result = await compile(positionals, values["out-dir"] === undefined ? {} : { outDir: values["out-dir"] });
    for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
    const errors = result.diagnostics.filter((d) => d.severity === "error").length;
    if (errors > 0) {
      process.stderr.write(`adjoint: ${errors} error${errors === 1 ? "" : "s"}; no file written\n`);
      return 1;
    }
    if (values["dump-ir"]) {
      for (const file of result.files) process.stdout.write(`// ${displayPath(file.source)}\n${file.ir}`);
      return 0;
    }
    if (values.check) {
      const stale = result.files.filter((f) => !existsSync(f.outputPath) || readFileSync(f.outputPath, "utf8") !== f.text);
      for (const f of stale) process.stderr.write(`adjoint: ${displayPath(f.outputPath)} is ${existsSync(f.outputPath) ? "out of date" : "missing"}\n`);
      return stale.length > 0 ? 1 : 0;
    }
    for (const file of result.files) {
      writeAtomically(file.outputPath, file.text);
      process.stdout.write(`adjoint: wrote ${displayPath(file.outputPath)}\n`);
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    process.stderr.write(`adjoint: internal error AD9000: ${message}\n`);
    if (values.debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write("This is a bug in adjoint; run again with --debug for the stack trace and report it.\n");
    return 2;
  }
}
