/**
 * `adjoint --watch`, run as a user runs it (`node bin/adjoint.js` in a child process): it
 * writes, then writes again when the input or a file it imports changes, prints one line per
 * input and pass, lives through a syntax error, and exits 0 on Ctrl-C.
 */
import { type ChildProcess, execSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, expect, test, vi } from "vitest";
import { compile } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = path.join(root, "bin/adjoint.js");

beforeAll(() => {
  execSync("npm run build", { cwd: root, stdio: "pipe" });
}, 180_000);

const directories: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const model = `import { square } from "./square.js";

/** @differentiable */
export function energy(x: number, y: number): number {
  return square(x) * y + 3 * y;
}
`;

const square = `export function square(v: number): number {
  return v * v;
}
`;

function workspace(): string {
  const dir = mkdtempSync(path.join(root, ".test-tmp-watch-"));
  directories.push(dir);
  writeFileSync(path.join(dir, "model.ts"), model);
  writeFileSync(path.join(dir, "square.ts"), square);
  return dir;
}

/** What `adjoint` writes for the current sources. */
async function generated(dir: string): Promise<string> {
  return (await compile([path.join(dir, "model.ts")])).files[0]!.text;
}

test("regenerates on change, one line per file, through a syntax error, until Ctrl-C", async () => {
  const dir = workspace();
  const child = spawn(process.execPath, [bin, "--watch", "model.ts"], { cwd: dir });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data) => (stdout += data));
  child.stderr.on("data", (data) => (stderr += data));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const printed = (text: string, times = 1) =>
    vi.waitFor(() => expect(stdout.split("\n").filter((line) => line === text)).toHaveLength(times), {
      timeout: 20_000,
      interval: 50,
    });
  const grad = path.join(dir, "model.grad.ts");

  await printed("adjoint: watching for changes; Ctrl-C to stop");
  expect(stdout).toBe("adjoint: wrote model.grad.ts\nadjoint: watching for changes; Ctrl-C to stop\n");
  expect(readFileSync(grad, "utf8")).toBe(await generated(dir));

  // A change of a file the input imports.
  writeFileSync(path.join(dir, "square.ts"), square.replace("v * v", "v * v * v"));
  await printed("adjoint: wrote model.grad.ts", 2);
  expect(readFileSync(grad, "utf8")).toBe(await generated(dir));
  const cubed = readFileSync(grad, "utf8");

  // A syntax error: reported, the generated file left as it was, and the watch goes on.
  writeFileSync(path.join(dir, "model.ts"), model.replace("3 * y;", "3 * y +;"));
  await printed("adjoint: model.ts: 1 error; its generated file is unchanged");
  expect(stderr).toContain("model.ts:5:33 - error AD1001");
  expect(readFileSync(grad, "utf8")).toBe(cubed);

  writeFileSync(path.join(dir, "model.ts"), model);
  await printed("adjoint: model.grad.ts is up to date");

  child.kill("SIGINT");
  expect(await exited).toBe(0);
});

test("--watch cannot be combined with --check", () => {
  const dir = workspace();
  const run = spawnSync(process.execPath, [bin, "--watch", "--check", "model.ts"], { cwd: dir, encoding: "utf8" });
  expect(run.status).toBe(1);
  expect(run.stderr).toBe("adjoint: --watch writes files: it cannot be combined with --check or --dump-ir\n");
});

test("--watch refuses two inputs that would write one file, as a single run does", async () => {
  const dir = workspace();
  writeFileSync(path.join(dir, "model.mts"), model);
  const child = spawn(process.execPath, [bin, "--watch", "model.ts", "model.mts"], { cwd: dir });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data) => (stdout += data));
  child.stderr.on("data", (data) => (stderr += data));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await vi.waitFor(() => expect(stdout).toContain("adjoint: watching for changes"), { timeout: 20_000, interval: 50 });
  expect(stderr).toContain("would both write");
  expect(stdout).not.toContain("wrote");
  expect(existsSync(path.join(dir, "model.grad.ts"))).toBe(false);
  child.kill("SIGINT");
  expect(await exited).toBe(0);
});
