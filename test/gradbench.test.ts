/**
 * The GradBench tool (src/gradbench/tool.ts): every sample of gradbench/samples is sent
 * through the protocol handler (start, define, evaluate) and its output compared with the
 * reference output as GradBench compares them; plus the protocol's error cases.
 */
import { afterAll, describe, expect, it } from "vitest";
import { GradbenchTool } from "../src/gradbench/tool.js";
import { mismatch, samplesOf } from "./support/gradbench-samples.js";

const evals = ["hello", "llsq", "lse", "det", "ode", "gmm", "lstm", "ba", "ht", "kmeans", "saddle", "particle"];

/** Fails with the response's error message, in full, when there is one. */
function expectNoError(response: Record<string, unknown>): void {
  if (response.error !== undefined) throw new Error(String(response.error));
}

describe("GradBench samples", () => {
  describe.each(evals)("%s", (name) => {
    // one tool per eval, as GradBench runs one tool process per eval
    const tool = new GradbenchTool();
    afterAll(() => tool.dispose());
    let nextId = 0;
    const send = (message: Record<string, unknown>) => tool.handleMessage(JSON.stringify({ id: nextId++, ...message }));

    it("starts and defines the module", async () => {
      expect(await send({ kind: "start", eval: name })).toEqual({ id: 0, tool: "adjoint" });
      const defined = await send({ kind: "define", module: name });
      expectNoError(defined);
      expect(defined).toMatchObject({ id: 1, success: true });
      expect((defined.timings as { name: string }[]).map((t) => t.name)).toContain("compile");
    }, 120_000);

    const samples = samplesOf(name);
    it("has samples", () => {
      expect(samples.length).toBeGreaterThan(0);
    });

    it.each(samples.map((s) => [`${s.function}${s.description ? ` (${s.description})` : ""}`, s] as const))(
      "%s matches the reference output",
      async (_, sample) => {
        const input =
          sample.input !== null && typeof sample.input === "object"
            ? { ...(sample.input as object), min_runs: 1, min_seconds: 0 }
            : sample.input;
        const response = await send({
          kind: "evaluate",
          module: sample.module,
          function: sample.function,
          input,
          description: sample.description ?? undefined,
        });
        expectNoError(response);
        expect(response.success).toBe(true);
        const timings = response.timings as { name: string; nanoseconds: number }[];
        expect(timings.length).toBeGreaterThanOrEqual(1);
        expect(timings.every((t) => t.name === "evaluate" && t.nanoseconds >= 0)).toBe(true);
        // the output as it would go over the wire
        const output: unknown = JSON.parse(JSON.stringify(response.output));
        expect(mismatch(output, sample.output)).toBeUndefined();
      },
      120_000,
    );
  });
});

describe("GradBench protocol", () => {
  const tool = new GradbenchTool();
  afterAll(() => tool.dispose());

  it("answers start with the tool's name", async () => {
    expect(await tool.handleMessage(JSON.stringify({ id: 0, kind: "start", eval: "hello", config: {} }))).toEqual({
      id: 0,
      tool: "adjoint",
    });
  });

  it("fails to define an unknown module", async () => {
    const response = await tool.handleMessage(JSON.stringify({ id: 1, kind: "define", module: "nonexistent" }));
    expect(response).toMatchObject({ id: 1, success: false });
    expect(response.error).toMatch(/unknown module 'nonexistent'/);
  });

  it("fails to evaluate an unknown module", async () => {
    const response = await tool.handleMessage(
      JSON.stringify({ id: 2, kind: "evaluate", module: "nonexistent", function: "f", input: 1 }),
    );
    expect(response).toMatchObject({ id: 2, success: false });
    expect(response.error).toMatch(/unknown module/);
  });

  it("fails to evaluate an unknown function", async () => {
    expect(await tool.handleMessage(JSON.stringify({ id: 3, kind: "define", module: "hello" }))).toMatchObject({
      id: 3,
      success: true,
    });
    const response = await tool.handleMessage(
      JSON.stringify({ id: 4, kind: "evaluate", module: "hello", function: "cube", input: 2 }),
    );
    expect(response).toMatchObject({ id: 4, success: false });
    expect(response.error).toMatch(/unknown function 'cube'/);
  }, 60_000);

  it("takes no name Object.prototype gives every object for a module or a function", async () => {
    const define = await tool.handleMessage(JSON.stringify({ id: 7, kind: "define", module: "toString" }));
    expect(define).toMatchObject({ id: 7, success: false, error: "unknown module 'toString'" });
    const evaluate = await tool.handleMessage(
      JSON.stringify({ id: 8, kind: "evaluate", module: "hello", function: "constructor", input: 2 }),
    );
    expect(evaluate).toMatchObject({
      id: 8,
      success: false,
      error: "unknown function 'constructor' of module 'hello'",
    });
  }, 60_000);

  it("answers a malformed line with an error instead of throwing", async () => {
    for (const line of ["{not json", "", "42", "null", "[1,2]"]) {
      const response = await tool.handleMessage(line);
      expect(response.success).toBe(false);
      expect(typeof response.error).toBe("string");
    }
  });

  it("answers an input the eval cannot use with an error", async () => {
    const response = await tool.handleMessage(
      JSON.stringify({ id: 5, kind: "evaluate", module: "llsq", function: "primal", input: { x: "abc", n: 3 } }),
    );
    expect(response).toMatchObject({ id: 5, success: false });
    expect(typeof response.error).toBe("string");
  }, 60_000);

  it("answers other kinds with the id alone", async () => {
    expect(await tool.handleMessage(JSON.stringify({ id: 6, kind: "analysis", of: 4, valid: true }))).toEqual({
      id: 6,
    });
  });

  it("runs min_runs times, one evaluate timing per run", async () => {
    const response = await tool.handleMessage(
      JSON.stringify({
        id: 7,
        kind: "evaluate",
        module: "lse",
        function: "gradient",
        input: { x: [1, 2, 3], min_runs: 3, min_seconds: 0 },
      }),
    );
    expect(response).toMatchObject({ id: 7, success: true });
    const timings = response.timings as { name: string }[];
    expect(timings.length).toBe(3);
    expect(timings.every((t) => t.name === "evaluate")).toBe(true);
  }, 60_000);

  it("keeps running until min_seconds have passed", async () => {
    const timed = await tool.handleMessage(
      JSON.stringify({
        id: 8,
        kind: "evaluate",
        module: "lse",
        function: "primal",
        input: { x: [1, 2, 3], min_runs: 1, min_seconds: 0.01 },
      }),
    );
    const timings = timed.timings as { nanoseconds: number }[];
    expect(timings.reduce((sum, t) => sum + t.nanoseconds, 0)).toBeGreaterThanOrEqual(1e7);
    expect(timings.length).toBeGreaterThan(1);
  }, 60_000);
});
