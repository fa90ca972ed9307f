/**
 * The build plugin, one implementation for every bundler through unplugin: an import of
 * `./model.grad` (or `./model.grad.js`, `./model.grad.ts`) resolves to the gradient module
 * generated from `./model.ts`, compiled in memory, so a build never depends on a committed
 * generated file. The module's id is the path `adjoint` writes it to, `model.grad.ts` beside
 * its source: the generated module's own relative imports then resolve from the right
 * directory, and when the bundler watches, the file is also written there for editors.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ts } from "ts-morph";
import { createUnplugin, type UnpluginBuildContext, type UnpluginContext } from "unplugin";
import type { ResolvedConfig } from "vite";
import { compile, type Diagnostic, formatDiagnostic, outputPathFor } from "../index.js";
import { type Input, inputsOf } from "../frontend/inputs.js";

export interface AdjointPluginOptions {
  /**
   * Also write each generated module to disk beside its source (`model.grad.ts`), so that
   * editors and `tsc` see its types. Default: when the bundler watches (Vite's dev server,
   * Vitest's watch mode, watch builds of Vite, Rollup, Rolldown and webpack). esbuild does not
   * tell plugins that it watches: pass `true` in an esbuild watch script.
   */
  write?: boolean;
}

/** An import of a gradient module: group 1 is the source's path without its extension. */
const gradientImport = /^(.*)\.grad(?:\.[cm]?[jt]s)?$/;
/** The id of a gradient module (see `outputPathFor`). */
const gradientModule = /\.grad\.ts$/;
const sourceExtensions = [".ts", ".tsx", ".mts", ".cts"];

interface Generated {
  /** The module as `adjoint` writes it, and as JavaScript for the bundler; absent on errors. */
  module?: { text: string; code: string };
  diagnostics: Diagnostic[];
}

function hashOf(inputs: Input[]): string {
  const hash = createHash("sha256");
  for (const { file, text } of inputs) hash.update(`${file}\0${text}\0`);
  return hash.digest("hex");
}

/** The source file a gradient module is generated from: `model.ts` (or .tsx, .mts, .cts). */
function sourceOf(stem: string): string | undefined {
  return sourceExtensions.map((extension) => stem + extension).find((file) => existsSync(file));
}

/**
 * The file a relative import of a generated module names. Generated modules import TypeScript
 * files as `./model.js`; resolving these here makes them independent of where the bundler
 * thinks an in-memory module lives (webpack puts it in a directory of its own).
 */
function importedFile(file: string): string | undefined {
  return [file.replace(/\.(m|c)?js$/, ".$1ts"), file.replace(/\.js$/, ".tsx"), file].find((candidate) =>
    existsSync(candidate),
  );
}

/**
 * The module handed to the bundler is JavaScript, so that bundlers without TypeScript support
 * of their own (Rollup, webpack) need nothing for it; the TypeScript handling of the others
 * passes it through unchanged.
 */
function transpile(text: string, fileName: string): string {
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext };
  return ts.transpileModule(text, { fileName, compilerOptions }).outputText;
}

async function generate(source: string): Promise<Generated> {
  const { files, diagnostics } = await compile([source]);
  const file = files[0];
  if (!file) return { diagnostics };
  return { module: { text: file.text, code: transpile(file.text, file.outputPath) }, diagnostics };
}

/** Whether the bundler rebuilds on changes: then generated files are written by default. */
function watching(context: UnpluginBuildContext): boolean {
  const native = context.getNativeBuildContext?.();
  if (native?.framework === "webpack") return native.compiler.watchMode;
  // Rollup and Rolldown call hooks with their own context, whose `meta` says it.
  return (context as { meta?: { watchMode?: boolean } }).meta?.watchMode === true;
}

/** Whether Vite watches: its dev server and Vitest's watch mode have a watcher, or the build watches.
 * (Vitest's hooks say `watchMode: false` even when it watches.) */
function viteWatches(config: ResolvedConfig): boolean {
  return config.command === "serve" ? config.server.watch !== null : Boolean(config.build.watch);
}

/** Writes through a temporary file and a rename, and only a changed text (a write wakes watchers). */
function writeIfChanged(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/**
 * Reports the diagnostics as one bundler error located at the first. Rollup, Vite and
 * Rolldown throw from `error`; esbuild and webpack record the error and fail the build after
 * the hook returns.
 */
function report(context: UnpluginContext, diagnostics: Diagnostic[]): void {
  const [first] = diagnostics;
  if (!first) throw new Error("a module that was not generated has a diagnostic saying why");
  const file = path.resolve(first.file);
  context.error({
    message: diagnostics.map(formatDiagnostic).join("\n"),
    id: file,
    // Bundlers count columns from 0; diagnostics, like tsc, from 1.
    loc: { file, line: first.line, column: first.column - 1 },
  });
}

export const unplugin = createUnplugin<AdjointPluginOptions | undefined, false>((options = {}) => {
  /** The last module generated for each id, with the hash of every input's path and text. */
  const cache = new Map<string, { hash: string; generated: Promise<Generated> }>();
  /** Vite's config, read when needed: Vitest changes it after plugins have seen it. */
  let viteConfig: ResolvedConfig | undefined;
  return {
    name: "adjoint",
    // Before the bundler's own resolution, which would fail on a module not on disk.
    enforce: "pre",
    resolveId(id, importer) {
      const from = importer?.split("?")[0];
      const stem = gradientImport.exec(id)?.[1];
      if (stem !== undefined) {
        // An absolute id is a path or, in Vite's dev server, relative to the root (`/src/model.grad`).
        const stems = path.isAbsolute(stem)
          ? [stem, path.join(viteConfig?.root ?? process.cwd(), stem)]
          : from && stem.startsWith(".")
            ? [path.resolve(path.dirname(from), stem)]
            : [];
        const source = stems.map(sourceOf).find((file) => file !== undefined);
        const resolved = source && outputPathFor(source);
        // webpack asks again with the answer: a file on disk is then its to resolve.
        return resolved === id && existsSync(id) ? undefined : resolved;
      }
      if (from && gradientModule.test(from) && id.startsWith("."))
        return importedFile(path.resolve(path.dirname(from), id));
      return undefined;
    },
    load: {
      filter: { id: gradientModule },
      async handler(id) {
        const source = sourceOf(id.replace(gradientModule, ""));
        if (!source) return undefined;
        const inputs = inputsOf([source]);
        for (const input of inputs) this.addWatchFile(input.file);
        const hash = hashOf(inputs);
        if (cache.get(id)?.hash !== hash) cache.set(id, { hash, generated: generate(source) });
        const { module, diagnostics } = await cache.get(id)!.generated;
        if (!module) {
          report(this, diagnostics);
          return { code: "" };
        }
        // A module was generated, so these are warnings.
        for (const d of diagnostics) this.warn(formatDiagnostic(d));
        if (options.write ?? (viteConfig ? viteWatches(viteConfig) : watching(this))) writeIfChanged(id, module.text);
        return { code: module.code };
      },
    },
    vite: {
      configResolved(config) {
        viteConfig = config;
      },
    },
    esbuild: {
      // esbuild hands whatever this plugin resolves to this plugin to load: claim only
      // gradient modules, and let esbuild resolve their imports (from their directory).
      onResolveFilter: gradientImport,
      onLoadFilter: gradientModule,
    },
  };
});
