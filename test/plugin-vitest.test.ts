/**
 * The package as a user installs it: the `adjoint/<bundler>` subpaths load from the built
 * package, and a project's Vitest tests import a gradient module directly, through the Vite
 * plugin in the project's own vitest.config.mjs (run in a child process, as `npx vitest run`).
 */
import { execFileSync, execSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

beforeAll(() => {
  execSync("npm run build", { cwd: root, stdio: "pipe" });
}, 180_000);

const directories: string[] = [];

afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory inside the repository, whose imports of `adjoint` find the built package. */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(root, ".test-tmp-plugin-vitest-"));
  directories.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

test("every bundler's subpath export loads and makes a plugin", () => {
  const dir = workspace({
    "check.mjs": `for (const bundler of ["vite", "rollup", "rolldown", "esbuild", "webpack"]) {
  const plugin = (await import(\`adjoint/\${bundler}\`)).default();
  console.log(bundler, typeof plugin.name === "string" ? plugin.name : typeof plugin.apply);
}
`,
  });
  const printed = execFileSync(process.execPath, ["check.mjs"], { cwd: dir, encoding: "utf8" });
  expect(printed).toBe("vite adjoint\nrollup adjoint\nrolldown adjoint\nesbuild adjoint\nwebpack function\n");
});

test("a Vitest test imports a gradient module through the Vite plugin", () => {
  const dir = workspace({
    "vitest.config.mjs": `import { defineConfig } from "vitest/config";
import adjoint from "adjoint/vite";

export default defineConfig({ plugins: [adjoint()] });
`,
    "model.ts": `/** @differentiable */
export function rosenbrock(x: number, y: number): number {
  const a = 1 - x;
  const b = y - x * x;
  return a * a + 100 * b * b;
}
`,
    "model.test.ts": `import { gradcheck } from "adjoint";
import { expect, test } from "vitest";
import { rosenbrock } from "./model.js";
import { rosenbrockGrad } from "./model.grad.js";

test("the gradient of rosenbrock", () => {
  const { grad } = rosenbrockGrad(-1.2, 1);
  expect(grad.x).toBeCloseTo(-215.6);
  expect(grad.y).toBeCloseTo(-88);
  expect(gradcheck(rosenbrock, rosenbrockGrad, [-1.2, 1]).ok).toBe(true);
});
`,
  });
  // The outer Vitest's variables would make the inner one think it runs inside a worker.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST") && name !== "FORCE_COLOR"),
  );
  const vitest = path.join(root, "node_modules/vitest/vitest.mjs");
  const run = spawnSync(process.execPath, [vitest, "run"], {
    cwd: dir,
    env: { ...env, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.stdout + run.stderr).toMatch(/Tests\s+1 passed/);
  expect(run.status).toBe(0);
  // `vitest run` does not watch: it leaves the project's files alone.
  expect(existsSync(path.join(dir, "model.grad.ts"))).toBe(false);
});
