/**
 * Where load-time code comes from: one interpreter (and so one heap) per compiled program, and
 * the resolution of the modules it imports or `require`s. A module of the program is its source
 * file there (the type checker resolves the import, and a package's typings lead to the
 * JavaScript beside them or to its entry, as library.ts finds it); a module outside the program
 * (a package's own dependency, such as a table of named colours) is read from disk and parsed,
 * so that its data can be read, but its functions are never inlined.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ts } from "ts-morph";
import { bundledModule, librarySourceFile, packageEntry } from "../library.js";
import { Interpreter, type ModuleSource } from "./interpreter.js";

const interpreters = new WeakMap<ts.TypeChecker, Interpreter>();

/** The interpreter of the program the checker checks; its modules load once. */
export function interpreterFor(checker: ts.TypeChecker): Interpreter {
  let interpreter = interpreters.get(checker);
  if (!interpreter) {
    const parsed = new Map<string, ts.SourceFile>();
    interpreter = new Interpreter((specifier, from) => resolveModule(checker, parsed, specifier, from));
    interpreters.set(checker, interpreter);
  }
  return interpreter;
}

/** The source of a module of the program: its file, or for typings the JavaScript they describe. */
export function programModule(checker: ts.TypeChecker, file: ts.SourceFile): ModuleSource | undefined {
  if (!file.isDeclarationFile) return { file, inProgram: true };
  const javaScript = bundledModule(file.fileName);
  const source = javaScript && librarySourceFile(checker, javaScript);
  return source ? { file: source, inProgram: true } : undefined;
}

function resolveModule(
  checker: ts.TypeChecker,
  parsed: Map<string, ts.SourceFile>,
  specifier: ts.StringLiteral,
  from: ts.SourceFile,
): ModuleSource | undefined {
  const declaration = checker.getSymbolAtLocation(specifier)?.valueDeclaration;
  const inProgram = declaration && ts.isSourceFile(declaration) ? programModule(checker, declaration) : undefined;
  if (inProgram) return inProgram;
  const file = resolveFile(specifier.text, path.dirname(from.fileName));
  if (!file) return undefined;
  const library = librarySourceFile(checker, file);
  if (library) return { file: library, inProgram: true };
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    parsed.set(file, source);
  }
  return { file: source, inProgram: false };
}

/** The file a relative specifier or a package name (its entry, or a file in it) names. */
function resolveFile(specifier: string, directory: string): string | undefined {
  if (specifier.startsWith(".")) return fileCandidate(path.resolve(directory, specifier));
  const match = /^((?:@[^/]+\/)?[^/]+)(?:\/(.*))?$/.exec(specifier);
  if (!match) return undefined;
  for (let dir = directory; ; dir = path.dirname(dir)) {
    const root = path.join(dir, "node_modules", match[1]!);
    if (existsSync(root)) return match[2] ? fileCandidate(path.join(root, match[2])) : packageEntry(root);
    if (path.dirname(dir) === dir) return undefined;
  }
}

function fileCandidate(base: string): string | undefined {
  const candidates = [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`, path.join(base, "index.js")];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}
