/**
 * The files a compilation reads: the sources and, transitively, the files of the project they
 * import (type-only imports too, since types shape the gradient). The build plugin hashes them
 * to reuse a generated module and registers them as the bundler's watch files; `adjoint
 * --watch` watches them. Only imports are parsed here, so this costs far less than compiling.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ts } from "ts-morph";
import { compilerOptionsFor } from "./program.js";

export interface Input {
  file: string;
  text: string;
}

/** The sources and the project files they import, transitively, in a stable order. */
export function inputsOf(sources: string[]): Input[] {
  const absolute = sources.map((source) => path.resolve(source));
  const options = compilerOptionsFor(absolute);
  const files = new Set(absolute);
  const inputs: Input[] = [];
  // A Set's iteration visits the files added while it runs: this walks the import graph.
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    inputs.push({ file, text });
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const resolved = ts.resolveModuleName(imported.fileName, file, options, ts.sys).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport) files.add(path.resolve(resolved.resolvedFileName));
    }
  }
  return inputs;
}
