/**
 * An internal failure is a bug: the CLI prints one line with code AD9000 (the stack trace only
 * with --debug) and exits 2. The compiler is replaced by one that throws, since a real compiler
 * bug cannot be summoned on purpose.
 */
import { afterEach, expect, test, vi } from "vitest";

vi.mock("../src/index.js", () => ({
  compile: async () => {
    throw new Error("verifier failed\nwith more lines");
  },
}));

const { main } = await import("../src/cli.js");

afterEach(() => {
  vi.restoreAllMocks();
});

function captureStderr(): () => string {
  const chunks: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return () => chunks.join("");
}

test("an internal error exits 2 with one AD9000 line and no stack trace", async () => {
  const stderr = captureStderr();
  expect(await main(["src/cli.ts"])).toBe(2);
  const output = stderr();
  expect(output).toContain("adjoint: internal error AD9000: verifier failed\n");
  expect(output).not.toContain("with more lines");
  expect(output).not.toMatch(/\n\s+at /);
  expect(output).toContain("--debug");
});

test("--debug adds the stack trace", async () => {
  const stderr = captureStderr();
  expect(await main(["--debug", "src/cli.ts"])).toBe(2);
  expect(stderr()).toMatch(/\n\s+at /);
});
