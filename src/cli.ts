/**
 * The command line: argument parsing, printing diagnostics, and writing (or checking) files.
 * Exit codes: 0 ok, 1 diagnostics or stale output, 2 internal error.
 */
import { existsSync, type FSWatcher, readFileSync, renameSync, watch, writeFileSync } from "node:fs";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Diagnostic, formatDiagnostic } from "./diagnostics.js";
import { compile, type CompileResult } from "./index.js";
import { displayPath } from "./frontend/program.js";
import { inputsOf } from "./frontend/inputs.js";
import { passNames } from "./pipeline.js";
import { expandInputs, outputCollisions } from "./cli-inputs.js";

const usage = `Usage: adjoint [options] <files or folders...>

Writes <name>.grad.ts beside each input file, holding the gradient of every function marked
@differentiable. A folder stands for the TypeScript files under it that mark a function.

Options:
  -o, --out-dir <dir>  write the generated files into <dir> instead, keeping the inputs' layout
  -c, --check          write nothing; exit 1 when a generated file is missing or out of date
      --dump-ir        print the primal and adjoint IR of each function instead of writing files
      --dump-ir=<pass> print the IR after one pass (or after each, with --dump-ir=all) instead;
                       passes: ${passNames.join(", ")}
      --verify-each    verify the IR after every pass, not only after each stage
  -w, --watch          write, then write again whenever an input or a file it imports changes;
                       Ctrl-C to stop
      --debug          print stack traces of internal errors
  -v, --version        print the version
  -h, --help           print this help
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

function parse(argv: string[]) {
  return parseArgs({
    // A bare `--dump-ir` takes no value, so it cannot swallow the file after it.
    args: argv.map((arg) => (arg === "--dump-ir" ? "--dump-ir=" : arg)),
    allowPositionals: true,
    options: {
      "out-dir": { type: "string", short: "o" },
      check: { type: "boolean", short: "c" },
      "dump-ir": { type: "string" },
      "verify-each": { type: "boolean" },
      watch: { type: "boolean", short: "w" },
      debug: { type: "boolean" },
      version: { type: "boolean", short: "v" },
      help: { type: "boolean", short: "h" },
    },
  });
}

type CommandLine = ReturnType<typeof parse>;

/** The command line when it asks for a compilation of files that exist; otherwise, having
 * printed the help, the version or what is wrong, the exit code. */
function readCommandLine(argv: string[]): CommandLine | number {
  let args;
  try {
    args = parse(argv);
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
  const inputs = expandInputs(positionals);
  if ("problems" in inputs) {
    for (const problem of inputs.problems) process.stderr.write(`adjoint: ${problem}\n`);
    return 1;
  }
  if (inputs.files.length === 0) {
    process.stderr.write("adjoint: every input is a generated file; nothing to compile\n");
    return 1;
  }
  const dumpIr = values["dump-ir"];
  if (dumpIr && dumpIr !== "all" && !passNames.includes(dumpIr)) {
    process.stderr.write(`adjoint: --dump-ir=${dumpIr}: no such pass; the passes are ${passNames.join(", ")}\n`);
    return 1;
  }
  return { ...args, positionals: inputs.files };
}

export async function main(argv: string[]): Promise<number> {
  const commandLine = readCommandLine(argv);
  if (typeof commandLine === "number") return commandLine;
  const { values, positionals } = commandLine;
  const dumpIr = values["dump-ir"];
  const options = {
    ...(values["out-dir"] === undefined ? {} : { outDir: values["out-dir"] }),
    ...(values["verify-each"] ? { verifyEach: true } : {}),
    ...(dumpIr ? { dumpAfter: dumpIr === "all" ? ("all" as const) : new Set([dumpIr]) } : {}),
  };
  if (values.watch) {
    if (values.check || dumpIr !== undefined) {
      process.stderr.write("adjoint: --watch writes files: it cannot be combined with --check or --dump-ir\n");
      return 1;
    }
    return watchFiles(positionals, options, values.debug === true);
  }
  try {
    return finish(await compile(positionals, options), values.check === true, dumpIr);
  } catch (error) {
    reportInternalError(error, values.debug === true);
    return 2;
  }
}

/** At most this many diagnostics are printed, as tsc does: the first ones are the ones to fix. */
const shownDiagnostics = 20;

function printDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics.slice(0, shownDiagnostics)) process.stderr.write(formatDiagnostic(d) + "\n");
  const hidden = diagnostics.length - shownDiagnostics;
  if (hidden > 0) process.stderr.write(`adjoint: ${hidden} more diagnostic${hidden === 1 ? "" : "s"} not shown\n`);
}

/** Prints the diagnostics, then the IR (`--dump-ir`), the stale files (`--check`) or the files
 * written; returns the exit code. */
function finish(result: CompileResult, check: boolean, dumpIr: string | undefined): number {
  printDiagnostics(result.diagnostics);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) {
    process.stderr.write(`adjoint: ${errors} error${errors === 1 ? "" : "s"}; no file written\n`);
    return 1;
  }
  if (reportCollisions(result)) return 1;
  if (dumpIr === "") {
    for (const file of result.files) process.stdout.write(`// ${displayPath(file.source)}\n${file.ir}`);
    return 0;
  }
  if (dumpIr !== undefined) {
    for (const file of result.files) {
      process.stdout.write(`// ${displayPath(file.source)}\n`);
      for (const dump of file.dumps) process.stdout.write(`// @${dump.function} after ${dump.pass}\n${dump.text}`);
    }
    return 0;
  }
  if (check) {
    const stale = result.files.filter(
      (f) => !existsSync(f.outputPath) || readFileSync(f.outputPath, "utf8") !== f.text,
    );
    for (const f of stale)
      process.stderr.write(
        `adjoint: ${displayPath(f.outputPath)} is ${existsSync(f.outputPath) ? "out of date" : "missing"}\n`,
      );
    return stale.length > 0 ? 1 : 0;
  }
  for (const file of result.files) writeIfChanged(file);
  return 0;
}

/** Prints each pair of inputs that would write one generated file; whether there was one. */
function reportCollisions(result: CompileResult): boolean {
  const collisions = outputCollisions(
    result.files.map((f) => ({ source: displayPath(f.source), outputPath: displayPath(f.outputPath) })),
  );
  for (const collision of collisions) process.stderr.write(`adjoint: ${collision}\n`);
  if (collisions.length > 0) process.stderr.write("adjoint: no file written\n");
  return collisions.length > 0;
}

/** Writes a generated file unless it already holds the text, and says which. */
function writeIfChanged(file: { outputPath: string; text: string }): void {
  if (existsSync(file.outputPath) && readFileSync(file.outputPath, "utf8") === file.text) {
    process.stdout.write(`adjoint: ${displayPath(file.outputPath)} is up to date\n`);
  } else {
    writeAtomically(file.outputPath, file.text);
    process.stdout.write(`adjoint: wrote ${displayPath(file.outputPath)}\n`);
  }
}

function reportInternalError(error: unknown, debug: boolean): void {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  process.stderr.write(`adjoint: internal error AD9000: ${message}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write("This is a bug in adjoint; run again with --debug for the stack trace and report it.\n");
}

/**
 * One pass of `--watch`: compiles every input, prints the diagnostics, then one line per input.
 * Unlike a single run, an input with errors does not stop the others from being written: its
 * generated file keeps its last good text until the errors are fixed.
 */
async function regenerate(files: string[], options: { outDir?: string }): Promise<void> {
  const missing = files.filter((file) => !existsSync(file));
  for (const file of missing) process.stderr.write(`adjoint: cannot read '${file}': no such file\n`);
  if (missing.length > 0) return;
  const result = await compile(files, options);
  printDiagnostics(result.diagnostics);
  if (reportCollisions(result)) return;
  for (const file of files) {
    const compiled = result.files.find((f) => f.source === path.resolve(file));
    const errors = result.diagnostics.filter(
      (d) => d.severity === "error" && d.file === displayPath(path.resolve(file)),
    ).length;
    if (!compiled) {
      const what = errors === 0 ? "nothing to generate" : `${errors} error${errors === 1 ? "" : "s"}`;
      process.stdout.write(`adjoint: ${displayPath(path.resolve(file))}: ${what}; its generated file is unchanged\n`);
    } else writeIfChanged(compiled);
  }
}

/**
 * `--watch`: regenerates on every change of an input or of a file it imports (the set is
 * recomputed after each pass, as imports change) until SIGINT or SIGTERM, then exits 0.
 * Directories are watched rather than files, since editors often save by replacing the file.
 */
function watchFiles(files: string[], options: { outDir?: string }, debug: boolean): Promise<number> {
  const inputs = files.map((file) => path.resolve(file));
  const watchers = new Map<string, FSWatcher>();
  // The inputs stay watched when deleted, to see them come back.
  let watched = new Set(inputs);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Passes run one after another; changes during a pass schedule the next.
  let passes = Promise.resolve();
  const schedule = (): void => {
    if (stopped) return;
    clearTimeout(timer);
    // Editors often write a file in several steps: wait for them to settle.
    timer = setTimeout(() => (passes = passes.then(pass)), 50);
  };
  const pass = async (): Promise<void> => {
    try {
      await regenerate(files, options);
      const present = inputs.filter((file) => existsSync(file));
      watched = new Set([...inputs, ...(present.length > 0 ? inputsOf(present) : []).map((input) => input.file)]);
    } catch (error) {
      reportInternalError(error, debug);
    }
    const directories = new Set([...watched].map((file) => path.dirname(file)));
    for (const [directory, watcher] of watchers) {
      if (directories.has(directory)) continue;
      watcher.close();
      watchers.delete(directory);
    }
    for (const directory of directories) {
      if (watchers.has(directory)) continue;
      const watcher = watch(directory, (_event, name) => {
        if (name !== null && watched.has(path.join(directory, name))) schedule();
      });
      watchers.set(directory, watcher);
    }
  };
  return new Promise((resolve) => {
    const stop = (): void => {
      stopped = true;
      clearTimeout(timer);
      // A pass under way finishes (no half-written file) before the watchers close.
      void passes.then(() => {
        for (const watcher of watchers.values()) watcher.close();
        resolve(0);
      });
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    passes = pass().then(() => {
      process.stdout.write("adjoint: watching for changes; Ctrl-C to stop\n");
    });
  });
}
