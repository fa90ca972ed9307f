/**
 * A GradBench tool for adjoint (https://github.com/gradbench/gradbench): reads one JSON message
 * per line on stdin and writes one JSON response per line on stdout.
 *
 *   start    -> { id, tool: "adjoint" }
 *   define   -> compiles gradbench/evals/<module>.ts with adjoint, transpiles the primal and the
 *               generated gradient module to JavaScript in a temporary directory and imports them;
 *               { id, success, error?, timings: [compile, load] }
 *   evaluate -> converts the input once, then runs the function at least `min_runs` times and
 *               until the runs add up to `min_seconds`; { id, success, output?, error?, timings }
 *               with one "evaluate" timing per run
 *   other    -> { id }
 *
 * `GradbenchTool.handleMessage` does the work for one line and never throws (a malformed line
 * gets an error response), so it can be tested without processes; `main` is the stdin/stdout
 * loop (the `adjoint-gradbench` command).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { compile, formatDiagnostic } from "../index.js";
import { adapters, type LoadedModule } from "./adapters.js";

/** The eval modules: gradbench/evals, two levels up from src/gradbench and dist/gradbench. */
export const evalsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "gradbench", "evals");

export interface Timing {
  name: string;
  nanoseconds: number;
}

type Response = { id: unknown } & Record<string, unknown>;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** TypeScript text to an ES module, types erased. */
function transpile(text: string, fileName: string): string {
  return ts.transpileModule(text, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
}

/** The built package, from src/gradbench and from dist/gradbench alike. */
const packageEntry = new URL("../../dist/index.js", import.meta.url).href;

/** A module importing the package's operators (`grad`) imports them from the built package:
 * the temporary directory the module is loaded from has no node_modules. */
function withPackageImports(code: string): string {
  return code.replace(/from "adjoint";/g, `from ${JSON.stringify(packageEntry)};`);
}

/** The entry of `record` that `key` names, if it is one of its own (so 'toString' is none). */
function ownEntry<T>(record: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === "string" && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Nanoseconds since `start` (a process.hrtime.bigint() reading). */
function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

export class GradbenchTool {
  private readonly modules = new Map<string, LoadedModule>();
  private readonly tempDirs: string[] = [];
  private loads = 0;

  /** Handles one line of input; resolves to the response object, never rejects. */
  async handleMessage(line: string): Promise<Response> {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      return { id: null, success: false, error: `malformed message: ${errorText(error)}` };
    }
    if (message === null || typeof message !== "object" || Array.isArray(message)) {
      return { id: null, success: false, error: "malformed message: not a JSON object" };
    }
    const m = message as Record<string, unknown>;
    const id = m.id ?? null;
    try {
      switch (m.kind) {
        case "start":
          return { id, tool: "adjoint" };
        case "define":
          return { id, ...(await this.define(m.module)) };
        case "evaluate":
          return { id, ...(await this.evaluate(m)) };
        default:
          return { id };
      }
    } catch (error) {
      return { id, success: false, error: errorText(error) };
    }
  }

  /** Compiles and loads an eval module; the compile and load times are its timings. */
  async define(module: unknown): Promise<{ success: boolean; error?: string; timings?: Timing[] }> {
    const adapter = ownEntry(adapters, module);
    if (typeof module !== "string" || !adapter) {
      return { success: false, error: `unknown module '${String(module)}'` };
    }
    const source = path.join(evalsDir, adapter.source);
    const compileStart = process.hrtime.bigint();
    let result: Awaited<ReturnType<typeof compile>>;
    try {
      result = await compile([source]);
    } catch (error) {
      // an internal error of the compiler: its first line (the rest is an IR dump)
      const firstLine = errorText(error).split("\n")[0];
      return {
        success: false,
        error: `adjoint failed on ${module} (internal error): ${firstLine}`,
        timings: [{ name: "compile", nanoseconds: since(compileStart) }],
      };
    }
    const compileTime = since(compileStart);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    const generated = result.files.find((f) => path.resolve(f.source) === path.resolve(source));
    if (errors.length > 0 || !generated) {
      const text = errors.length > 0 ? errors.map((d) => formatDiagnostic(d)).join("\n") : "no gradient was generated";
      return { success: false, error: `adjoint could not compile ${module}:\n${text}`, timings: [{ name: "compile", nanoseconds: compileTime }] };
    }
    const loadStart = process.hrtime.bigint();
    const dir = this.tempDir();
    // a fresh name per load, so that defining a module again imports the new code
    const stem = `${module}-${++this.loads}`;
    const primalFile = path.join(dir, `${stem}.mjs`);
    const generatedFile = path.join(dir, `${stem}.grad.mjs`);
    writeFileSync(primalFile, withPackageImports(transpile(readFileSync(source, "utf8"), source)));
    writeFileSync(generatedFile, transpile(generated.text, generated.outputPath));
    const primal = (await import(pathToFileURL(primalFile).href)) as Record<string, unknown>;
    const gradients = (await import(pathToFileURL(generatedFile).href)) as Record<string, unknown>;
    this.modules.set(module, { primal, generated: gradients });
    return {
      success: true,
      timings: [
        { name: "compile", nanoseconds: compileTime },
        { name: "load", nanoseconds: since(loadStart) },
      ],
    };
  }

  /** Runs a function of a defined module as the input's min_runs / min_seconds ask. */
  async evaluate(message: Record<string, unknown>): Promise<{ success: boolean; output?: unknown; error?: string; timings?: Timing[] }> {
    const { module, function: name, input } = message;
    const adapter = ownEntry(adapters, module);
    if (typeof module !== "string" || !adapter) {
      return { success: false, error: `unknown module '${String(module)}'` };
    }
    const prepare = ownEntry(adapter.functions, name);
    if (!prepare) {
      return { success: false, error: `unknown function '${String(name)}' of module '${module}'` };
    }
    if (!this.modules.has(module)) {
      const defined = await this.define(module);
      if (!defined.success) return { success: false, error: defined.error };
    }
    const runs = input !== null && typeof input === "object" ? (input as Record<string, unknown>) : {};
    const minRuns = typeof runs.min_runs === "number" ? Math.max(1, runs.min_runs) : 1;
    const minNanoseconds = typeof runs.min_seconds === "number" ? runs.min_seconds * 1e9 : 0;

    const prepared = prepare(input, this.modules.get(module)!);
    const timings: Timing[] = [];
    let total = 0;
    let result: unknown;
    while (timings.length < minRuns || total < minNanoseconds) {
      const start = process.hrtime.bigint();
      result = prepared.run();
      const elapsed = since(start);
      timings.push({ name: "evaluate", nanoseconds: elapsed });
      total += elapsed;
    }
    return { success: true, output: prepared.output(result), timings };
  }

  /** The temporary directory of this tool's loaded modules, made on first use. */
  private tempDir(): string {
    let dir = this.tempDirs[0];
    if (dir === undefined) {
      dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-gradbench-"));
      this.tempDirs.push(dir);
    }
    return dir;
  }

  /** Removes the temporary files (the loaded modules stay usable). */
  dispose(): void {
    for (const dir of this.tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

const defaultTool = new GradbenchTool();

/** One line in, one response out, with a tool shared by all calls. */
export function handleMessage(line: string): Promise<Response> {
  return defaultTool.handleMessage(line);
}

const usage = `Usage: adjoint-gradbench

A GradBench tool: reads GradBench's messages, one JSON object per line, on stdin and writes one
response per line on stdout. GradBench starts it:

  gradbench run --eval '<eval command>' --tool 'npx adjoint-gradbench'

Options:
  --help     print this help
`;

/** The stdin/stdout loop: one response line per non-empty input line, in order. With an
 * argument, it prints the usage instead (to stdout for --help, otherwise to stderr, exit 1). */
export async function main(args: readonly string[] = process.argv.slice(2)): Promise<void> {
  if (args.length === 1 && args[0] === "--help") {
    process.stdout.write(usage);
    return;
  }
  if (args.length > 0) {
    process.stderr.write(`adjoint-gradbench: unknown arguments: ${args.join(" ")}\n\n${usage}`);
    process.exitCode = 1;
    return;
  }
  const tool = new GradbenchTool();
  try {
    for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      if (line.trim() === "") continue;
      const response = await tool.handleMessage(line);
      process.stdout.write(`${JSON.stringify(response)}\n`);
    }
  } finally {
    tool.dispose();
  }
}
