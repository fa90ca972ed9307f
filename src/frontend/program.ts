/**
 * Loads the input files with the TypeScript compiler (through ts-morph), type-checks them and
 * turns TypeScript's own errors into AD1001 (syntax) and AD1002 (types): adjoint only compiles
 * code that type-checks, since the lowering relies on the checker's types.
 */
import path from "node:path";
import { Project, ts } from "ts-morph";
import type { Diagnostic } from "../diagnostics.js";
import { isPackageFile, libraryImplementationFiles, registerLibraryFiles } from "./library.js";

const defaultOptions: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  noEmit: true,
};

/** The compiler options of a compilation of `files`: those of the tsconfig.json nearest to the
 * first, or strict defaults when there is none. */
export function compilerOptionsFor(files: readonly string[]): ts.CompilerOptions {
  const [first] = files;
  if (first === undefined) throw new Error("a compilation reads at least one file");
  const configPath = ts.findConfigFile(path.dirname(first), ts.sys.fileExists);
  if (!configPath) return defaultOptions;
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) return defaultOptions;
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(configPath));
  return { ...parsed.options, noEmit: true, skipLibCheck: true };
}

export interface LoadedProgram {
  checker: ts.TypeChecker;
  sourceFiles: ts.SourceFile[];
  /** Every file of the user's program the inputs reach (imports included), without typings. */
  programFiles: ts.SourceFile[];
  diagnostics: Diagnostic[];
}

export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return (relative.startsWith("..") ? file : relative).split(path.sep).join("/");
}

/** The 1-based line and column of a position, with the text of its line. */
export function locate(sourceFile: ts.SourceFile, position: number) {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(position);
  const lineStart = sourceFile.getPositionOfLineAndCharacter(line, 0);
  const lineEnd = sourceFile.getLineEndOfPosition(position);
  return {
    file: displayPath(sourceFile.fileName),
    line: line + 1,
    column: character + 1,
    sourceLine: sourceFile.text.slice(lineStart, lineEnd).replace(/\r$/, ""),
  };
}

function fromTypeScript(d: ts.Diagnostic, code: "AD1001" | "AD1002"): Diagnostic {
  const sourceFile = d.file!;
  return {
    code,
    severity: "error",
    message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`,
    hint: "fix this TypeScript error first: adjoint compiles only code that type-checks",
    ...locate(sourceFile, d.start ?? 0),
  };
}

/**
 * Loads and type-checks the inputs. Unless the tsconfig names its library files, the check runs
 * first against the target's library without the DOM's typings: numeric modules rarely use them,
 * and loading them is a fifth of a cold start. Only when that check fails does it run again with
 * the target's default library, DOM included, whose diagnostics are then the ones reported.
 */
export function loadProgram(files: string[]): LoadedProgram {
  const absolute = files.map((f) => path.resolve(f));
  const options = compilerOptionsFor(absolute);
  if (options.lib === undefined) {
    const defaultLib = ts.getDefaultLibFileName(options);
    const withoutDom = defaultLib === "lib.d.ts" ? "lib.es5.d.ts" : defaultLib.replace(".full.d.ts", ".d.ts");
    const lean = checkProgram(absolute, { ...options, lib: [withoutDom] });
    if (lean.diagnostics.length === 0) return lean;
  }
  return checkProgram(absolute, options);
}

function checkProgram(absolute: string[], compilerOptions: ts.CompilerOptions): LoadedProgram {
  const project = new Project({ compilerOptions });
  for (const file of absolute) project.addSourceFileAtPath(file);
  let program = project.getProgram().compilerObject;
  // The JavaScript of the packages imported is read (not checked) to compile through it.
  const libraryFiles = libraryImplementationFiles(program, userFiles(program));
  if (libraryFiles.length > 0) {
    project.compilerOptions.set({ allowJs: true });
    for (const file of libraryFiles) project.addSourceFileAtPath(file);
    program = project.getProgram().compilerObject;
  }
  const sourceFiles = absolute.map((file) => program.getSourceFile(file)!);
  const diagnostics: Diagnostic[] = [];
  for (const sourceFile of sourceFiles) {
    const syntax = program.getSyntacticDiagnostics(sourceFile);
    diagnostics.push(...syntax.map((d) => fromTypeScript(d, "AD1001")));
    if (syntax.length === 0) {
      diagnostics.push(
        ...program
          .getSemanticDiagnostics(sourceFile)
          .filter((d) => d.category === ts.DiagnosticCategory.Error)
          .map((d) => fromTypeScript(d, "AD1002")),
      );
    }
  }
  const programFiles = userFiles(program);
  const checker = program.getTypeChecker();
  registerLibraryFiles(checker, program, libraryFiles);
  return { checker, sourceFiles, programFiles, diagnostics };
}

function userFiles(program: ts.Program): ts.SourceFile[] {
  return program.getSourceFiles().filter((file) => !file.isDeclarationFile && !isPackageFile(file.fileName));
}
