/**
 * What the command line's file arguments name: a TypeScript file is itself; a folder is the
 * TypeScript sources under it that mark a function @differentiable (`.d.ts`, `node_modules` and
 * hidden folders left out), as a user pointing adjoint at `src` expects. Generated files are
 * never inputs, so `adjoint src/*.ts` can run again once they exist.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { generatedHeader, typeScriptExtension } from "./backend/module.js";

function isCompilable(file: string): boolean {
  return typeScriptExtension.test(file) && !file.endsWith(".d.ts");
}

function isGenerated(file: string): boolean {
  return readFileSync(file, "utf8").startsWith(generatedHeader);
}

function marked(file: string): boolean {
  const text = readFileSync(file, "utf8");
  return !text.startsWith(generatedHeader) && text.includes("@differentiable");
}

function sourcesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory())
        return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : sourcesUnder(full);
      return entry.isFile() && isCompilable(full) && marked(full) ? [full] : [];
    });
}

/** The files to compile, or the problems with the arguments (each a line to print). */
export function expandInputs(args: string[]): { files: string[] } | { problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  for (const arg of args) {
    let folder: boolean;
    try {
      folder = statSync(arg).isDirectory();
    } catch {
      problems.push(`cannot read '${arg}': no such file`);
      continue;
    }
    if (folder) {
      const found = sourcesUnder(arg);
      if (found.length === 0) problems.push(`'${arg}' holds no TypeScript file with a @differentiable function`);
      files.push(...found);
    } else if (!isCompilable(arg)) {
      problems.push(
        `cannot compile '${arg}': adjoint reads TypeScript sources (.ts, .tsx, .mts, .cts), not JavaScript or declarations`,
      );
    } else if (!isGenerated(arg)) files.push(arg);
  }
  return problems.length > 0 ? { problems } : { files: [...new Set(files.map((f) => path.resolve(f)))] };
}

/** Pairs of inputs that would write one generated file, as lines to print. */
export function outputCollisions(files: readonly { source: string; outputPath: string }[]): string[] {
  const writer = new Map<string, string>();
  const problems: string[] = [];
  for (const file of files) {
    const earlier = writer.get(file.outputPath);
    if (earlier === undefined) writer.set(file.outputPath, file.source);
    else problems.push(`'${earlier}' and '${file.source}' would both write '${file.outputPath}'; rename one`);
  }
  return problems;
}
