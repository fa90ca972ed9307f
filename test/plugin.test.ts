/**
 * The build plugin, through real builds with each bundler: a small project in a temporary
 * directory inside the repository (so that its imports find the repository's packages) whose
 * entry imports gradient modules that are not on disk. Each bundle is run with node and prints
 * the gradients. Then: rebuilds in watch mode after an edit of a file the source imports, and a
 * function that cannot be differentiated failing the build with its location. The Vite dev
 * server is tested on its own (in-memory modules requested by URL, regeneration on change), and
 * the cache by calling the plugin's hook directly.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import * as rolldown from "rolldown";
import * as rollup from "rollup";
import * as vite from "vite";
import { afterEach, describe, expect, test, vi } from "vitest";
import webpack from "webpack";
import { compile } from "../src/index.js";
import adjointEsbuild from "../src/plugin/esbuild.js";
import { type AdjointPluginOptions, unplugin } from "../src/plugin/index.js";
import adjointRolldown from "../src/plugin/rolldown.js";
import adjointRollup from "../src/plugin/rollup.js";
import adjointVite from "../src/plugin/vite.js";
import adjointWebpack from "../src/plugin/webpack.js";

// Counts compilations, for the cache's test.
vi.mock(import("../src/index.js"), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, compile: vi.fn(actual.compile) };
});

const root = fileURLToPath(new URL("..", import.meta.url));

const square = `export function square(v: number): number {
  return v * v;
}
`;

/** The project: `energy` calls a helper of another file; `smooth` has a user-supplied derivative,
 * so its generated module imports `./soft.js`; `bad` calls a function without a derivative. */
const project: Record<string, string> = {
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      strict: true,
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "Bundler",
      skipLibCheck: true,
      noEmit: true,
    },
  }),
  // Outside the project's directory, which webpack watches as a whole: only the plugin's
  // watch files make a bundler see its change.
  "../shared/square.ts": square,
  "model.ts": `import { square } from "../shared/square.js";

/** @differentiable */
export function energy(x: number, y: number): number {
  return square(x) * y + 3 * y;
}
`,
  "soft.ts": `/** log(1 + e^x), with its derivative given by hand. */
export function softplus(x: number): number {
  return Math.log1p(Math.exp(x));
}

/** @derivative softplus */
export function softplusVjp(x: number, cotangent: number): { x: number } {
  return { x: cotangent / (1 + Math.exp(-x)) };
}

/** @differentiable */
export function smooth(x: number): number {
  return 2 * softplus(x);
}
`,
  "bad.ts": `declare function opaque(x: number): number;

/** @differentiable */
export function bad(x: number): number {
  return 2 * opaque(x);
}
`,
  // The three spellings of an import of a gradient module.
  "main.ts": `import { energyGrad } from "./model.grad";
import { smoothGrad } from "./soft.grad.js";
import { smoothGrad as again } from "./soft.grad.ts";

console.log(JSON.stringify({ energy: energyGrad(2, 5), smooth: smoothGrad(0), same: again === smoothGrad }));
`,
  "bad-main.ts": `import { badGrad } from "./bad.grad";

console.log(badGrad(1).value);
`,
  // Rollup and webpack have no TypeScript support of their own: these stand in for the
  // project's TypeScript plugin and loader (rollup-plugin-esbuild, esbuild-loader, ts-loader).
  "strip-types.cjs": `module.exports = function (source) {
  return require("esbuild").transformSync(source, { loader: "ts" }).code;
};
`,
};

// energy(x, y) = x^2 y + 3y and smooth(x) = 2 log(1 + e^x), at (2, 5) and 0.
const expected = {
  energy: { value: 35, grad: { x: 20, y: 7 } },
  smooth: { value: 2 * Math.log(2), grad: { x: 1 } },
  same: true,
};
// With square(v) = v^3: x^3 y + 3y.
const cubed = { ...expected, energy: { value: 55, grad: { x: 60, y: 11 } } };

const directories: string[] = [];

afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of the project; returns its directory. */
function workspace(): string {
  const workspace = mkdtempSync(path.join(root, ".test-tmp-plugin-"));
  directories.push(workspace);
  const dir = path.join(workspace, "app");
  for (const [name, text] of Object.entries(project)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function run(bundle: string): unknown {
  return JSON.parse(execFileSync(process.execPath, [bundle], { encoding: "utf8" }));
}

/** The result of one build: the bundle's path, or the build's errors. */
type Built = string | Error;

interface Bundler {
  /** Bundles `entry` of `dir`; resolves to the bundle's path, rejects with the build's errors. */
  build(dir: string, entry: string): Promise<string>;
  /** Bundles in watch mode, calling `built` after each build; resolves to a function that stops. */
  watch(dir: string, entry: string, built: (result: Built) => void): Promise<() => Promise<void>>;
}

const stripTypes: rollup.Plugin = {
  name: "strip-types",
  transform: async (code, id) => (id.endsWith(".ts") ? (await esbuild.transform(code, { loader: "ts" })).code : null),
};

function esbuildOptions(dir: string, entry: string, options?: AdjointPluginOptions): esbuild.BuildOptions {
  return {
    absWorkingDir: dir,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: path.join(dir, "out/esbuild.mjs"),
    logLevel: "silent",
    plugins: [adjointEsbuild(options)],
  };
}

function webpackCompiler(dir: string, entry: string): webpack.Compiler {
  return webpack({
    mode: "production",
    target: "node",
    context: dir,
    entry: `./${entry}`,
    output: { path: path.join(dir, "out"), filename: "webpack.cjs" },
    optimization: { minimize: false },
    module: { rules: [{ test: /\.ts$/, loader: path.join(dir, "strip-types.cjs") }] },
    plugins: [adjointWebpack()],
    infrastructureLogging: { level: "error" },
  });
}

function webpackResult(dir: string, error: Error | null, stats: webpack.Stats | undefined): Built {
  if (error) return error;
  if (stats!.hasErrors()) return new Error(stats!.toString("errors-only"));
  return path.join(dir, "out/webpack.cjs");
}

/** Rollup's and Rolldown's watchers report in the same events. */
function onBundleEnd(
  watcher: rollup.RollupWatcher | rolldown.RolldownWatcher,
  file: string,
  built: (result: Built) => void,
): void {
  watcher.on("event", (event) => {
    if (event.code === "BUNDLE_END") void event.result.close().then(() => built(file));
    if (event.code === "ERROR") built(new Error(event.error.message));
  });
}

const bundlers: Record<string, Bundler> = {
  vite: {
    async build(dir, entry) {
      await vite.build(viteOptions(dir, entry));
      return path.join(dir, "out/vite/vite.mjs");
    },
    async watch(dir, entry, built) {
      const options = viteOptions(dir, entry);
      const watcher = (await vite.build({
        ...options,
        build: { ...options.build, watch: {} },
      })) as rolldown.RolldownWatcher;
      onBundleEnd(watcher, path.join(dir, "out/vite/vite.mjs"), built);
      return () => watcher.close();
    },
  },
  rollup: {
    async build(dir, entry) {
      const file = path.join(dir, "out/rollup.mjs");
      const bundle = await rollup.rollup({ input: path.join(dir, entry), plugins: [adjointRollup(), stripTypes] });
      await bundle.write({ file, format: "es" });
      await bundle.close();
      return file;
    },
    async watch(dir, entry, built) {
      const file = path.join(dir, "out/rollup.mjs");
      const watcher = rollup.watch({
        input: path.join(dir, entry),
        plugins: [adjointRollup(), stripTypes],
        output: { file, format: "es" },
      });
      onBundleEnd(watcher, file, built);
      return () => watcher.close();
    },
  },
  rolldown: {
    async build(dir, entry) {
      const file = path.join(dir, "out/rolldown.mjs");
      await rolldown.build({
        cwd: dir,
        input: path.join(dir, entry),
        platform: "node",
        logLevel: "silent",
        plugins: [adjointRolldown()],
        output: { file, format: "es" },
      });
      return file;
    },
    async watch(dir, entry, built) {
      const file = path.join(dir, "out/rolldown.mjs");
      const watcher = rolldown.watch({
        cwd: dir,
        input: path.join(dir, entry),
        platform: "node",
        logLevel: "silent",
        plugins: [adjointRolldown()],
        output: { file, format: "es" },
      });
      onBundleEnd(watcher, file, built);
      return () => watcher.close();
    },
  },
  esbuild: {
    async build(dir, entry) {
      const options = esbuildOptions(dir, entry);
      await esbuild.build(options);
      return options.outfile!;
    },
    async watch(dir, entry, built) {
      // esbuild does not tell plugins that it watches: a watch script asks for the files.
      const options = esbuildOptions(dir, entry, { write: true });
      const report: esbuild.Plugin = {
        name: "report",
        setup: (build) =>
          build.onEnd((result) =>
            built(result.errors.length > 0 ? new Error(result.errors[0]!.text) : options.outfile!),
          ),
      };
      const context = await esbuild.context({ ...options, plugins: [...options.plugins!, report] });
      await context.watch();
      return () => context.dispose();
    },
  },
  webpack: {
    build(dir, entry) {
      const compiler = webpackCompiler(dir, entry);
      return new Promise((resolve, reject) => {
        compiler.run((error, stats) => {
          const result = webpackResult(dir, error, stats);
          compiler.close(() => (typeof result === "string" ? resolve(result) : reject(result)));
        });
      });
    },
    async watch(dir, entry, built) {
      const compiler = webpackCompiler(dir, entry);
      const watching = compiler.watch({ aggregateTimeout: 50 }, (error, stats) =>
        built(webpackResult(dir, error, stats)),
      );
      return () => new Promise((resolve) => watching!.close(() => resolve()));
    },
  },
};

function viteOptions(dir: string, entry: string, options?: AdjointPluginOptions): vite.InlineConfig {
  return {
    root: dir,
    configFile: false,
    logLevel: "silent",
    plugins: [adjointVite(options)],
    build: { ssr: entry, outDir: "out/vite", rolldownOptions: { output: { entryFileNames: "vite.mjs" } } },
  };
}

describe.each(Object.keys(bundlers))("%s", (name) => {
  const bundler = bundlers[name]!;

  test("bundles gradient modules compiled in memory", async () => {
    const dir = workspace();
    expect(run(await bundler.build(dir, "main.ts"))).toEqual(expected);
    // A build that does not watch writes nothing beside the sources.
    expect(existsSync(path.join(dir, "model.grad.ts"))).toBe(false);
  });

  test("fails the build on a function it cannot differentiate, with its location", async () => {
    const dir = workspace();
    const failure = bundler.build(dir, "bad-main.ts");
    await expect(failure).rejects.toThrow(/bad\.ts:5:14 - error AD1005: 'opaque' is declared without a body/);
    await expect(failure).rejects.toThrow("return 2 * opaque(x);");
  });

  test("rebuilds when a file the source imports changes, and writes the module", async () => {
    const dir = workspace();
    let latest: unknown;
    let builtAt = 0;
    const stop = await bundler.watch(dir, "main.ts", (result) => {
      latest = typeof result === "string" ? run(result) : result;
      builtAt = Date.now();
    });
    try {
      await vi.waitFor(() => expect(latest).toEqual(expected), { timeout: 20_000, interval: 50 });
      const written = (await compile([path.join(dir, "model.ts")])).files[0]!.text;
      expect(readFileSync(path.join(dir, "model.grad.ts"), "utf8")).toBe(written);
      // Writing the module may cause one more build: let it pass, so that only the edit
      // below can cause the next.
      await vi.waitFor(() => expect(Date.now() - builtAt).toBeGreaterThan(400), { timeout: 20_000, interval: 50 });
      writeFileSync(path.join(dir, "../shared/square.ts"), square.replace("v * v", "v * v * v"));
      await vi.waitFor(() => expect(latest).toEqual(cubed), { timeout: 20_000, interval: 50 });
    } finally {
      await stop();
    }
  });
});

describe("vite dev server", () => {
  test("serves a gradient module by the URL the browser asks for, writing nothing when asked not to", async () => {
    const dir = workspace();
    const server = await vite.createServer({
      ...viteOptions(dir, "main.ts", { write: false }),
      server: { middlewareMode: true, ws: false },
      appType: "custom",
    });
    try {
      const served = await server.transformRequest("/soft.grad.ts");
      expect(served?.code).toContain("export function smoothGrad(x)");
      expect(existsSync(path.join(dir, "soft.grad.ts"))).toBe(false);
    } finally {
      await server.close();
    }
  });

  test("regenerates a module when its source changes, and writes it for editors", async () => {
    const dir = workspace();
    writeFileSync(path.join(dir, "lib.ts"), `export { energyGrad } from "./model.grad";\n`);
    const server = await vite.createServer({
      ...viteOptions(dir, "lib.ts"),
      server: { middlewareMode: true, ws: false },
      appType: "custom",
    });
    try {
      const energyAt = async () =>
        ((await server.ssrLoadModule("/lib.ts")) as { energyGrad: (x: number, y: number) => unknown }).energyGrad(2, 5);
      expect(await energyAt()).toEqual(expected.energy);
      expect(existsSync(path.join(dir, "model.grad.ts"))).toBe(true);
      writeFileSync(path.join(dir, "model.ts"), project["model.ts"]!.replace("3 * y", "4 * y"));
      await vi.waitFor(async () => expect(await energyAt()).toEqual({ value: 40, grad: { x: 20, y: 8 } }), {
        timeout: 20_000,
        interval: 100,
      });
    } finally {
      await server.close();
    }
  });
});

test("a module is compiled again only when the text of one of its inputs changes", async () => {
  const dir = workspace();
  const plugin = unplugin.raw(undefined, { framework: "rollup", versions: {} });
  const load = plugin.load as { handler: (this: unknown, id: string) => Promise<{ code: string }> };
  const watchFiles = new Set<string>();
  const context = {
    addWatchFile: (file: string) => watchFiles.add(file),
    error: (e: unknown) => expect.fail(String(e)),
    warn: () => {},
  };
  const id = path.join(dir, "model.grad.ts");
  const compilations = () => vi.mocked(compile).mock.calls.length;
  const before = compilations();
  const first = await load.handler.call(context, id);
  expect(compilations()).toBe(before + 1);
  expect([...watchFiles]).toEqual([path.join(dir, "model.ts"), path.join(dir, "../shared/square.ts")]);
  // A rewrite with the same text, as an editor's save without changes.
  writeFileSync(path.join(dir, "model.ts"), project["model.ts"]!);
  expect(await load.handler.call(context, id)).toEqual(first);
  expect(compilations()).toBe(before + 1);
  writeFileSync(path.join(dir, "../shared/square.ts"), square.replace("v * v", "v * v * v"));
  expect(await load.handler.call(context, id)).not.toEqual(first);
  expect(compilations()).toBe(before + 2);
});
