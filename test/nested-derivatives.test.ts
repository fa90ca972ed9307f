/**
 * Derivatives inside differentiable code, against closed forms: the outer gradient (fGrad) and
 * the outer JVP (fJvp) of functions calling `grad`, `valueAndGrad`, `jvp` and `vjp`, with the
 * inner derivative by reverse and by forward mode. The functions are those of the
 * nested-derivatives fixture, whose test also checks them against finite differences.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile, grad, jvp, valueAndGrad, vjp } from "../src/index.js";
import { centralDifference } from "./support/finite-differences.js";
import { fixturesRoot, inputOf } from "./support/fixtures.js";

type AnyFunction = (...args: any[]) => any;
let generated: Record<string, AnyFunction>;
const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-nested-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const { files, diagnostics } = await compile([inputOf(fixturesRoot, "nested-derivatives")], { outDir: dir });
  expect(diagnostics).toEqual([]);
  writeFileSync(files[0]!.outputPath, files[0]!.text);
  generated = await import(pathToFileURL(files[0]!.outputPath).href);
}, 60_000);

/** The gradient of `f` at `x` by central differences of each element. */
function numericGradient(f: (x: number[]) => number, x: number[]): number[] {
  return x.map((_, k) => centralDifference((xk) => f(x.map((xj, j) => (j === k ? xk : xj))), x[k]!));
}

describe("perturbation confusion: d/dx [x * d/dy (x + y)] at y = 1 is 1", () => {
  for (const inner of ["Reverse", "Forward"]) {
    test.each([0.5, -2, 3])(`inner ${inner.toLowerCase()} mode, outer gradient and JVP, x = %d`, (x) => {
      const { value, grad } = generated[`confusion${inner}Grad`]!(x, 1);
      expect(value).toBe(x);
      expect(grad.x).toBe(1);
      expect(grad.y).toBe(0);
      expect(generated[`confusion${inner}Jvp`]!(x, 1, { x: 1, y: 0 }).tangent).toBe(1);
    });
  }
});

describe("d/dx of grad(g)(x), g = sin(x) x^3, is g''", () => {
  const first = (x: number) => Math.cos(x) * x ** 3 + 3 * Math.sin(x) * x ** 2;
  const second = (x: number) => -Math.sin(x) * x ** 3 + 6 * Math.cos(x) * x ** 2 + 6 * Math.sin(x) * x;
  for (const inner of ["Reverse", "Forward"]) {
    test.each([0.3, -1.2, 2.5])(`inner ${inner.toLowerCase()} mode, x = %d`, (x) => {
      const reverse = generated[`slope${inner}Grad`]!(x);
      expect(reverse.value).toBeCloseTo(first(x), 12);
      expect(reverse.grad.x).toBeCloseTo(second(x), 12);
      expect(generated[`slope${inner}Jvp`]!(x, { x: 1 }).tangent).toBeCloseTo(second(x), 12);
    });
  }
});

describe("valueAndGrad, jvp and vjp of functions of arrays", () => {
  test("valueAndGrad in both modes: value and gradient of the closed form", () => {
    const weights = (x: number[]) => x.map((_, i) => i + 1);
    const closedForm = (x: number[], scale: number) => {
      const value = weights(x).reduce((sum, w, i) => sum + scale * w * x[i]! ** 2, 0);
      const gradient = x.map((xi, i) => 2 * scale * (i + 1) * xi);
      return value * gradient[1]! + gradient[0]! * value;
    };
    const x = [0.5, -1, 2];
    const scale = 1.5;
    const { value, grad } = generated.arrayGradientsGrad!(x, scale);
    expect(value).toBeCloseTo(closedForm(x, scale), 10);
    const expected = numericGradient((v) => closedForm(v, scale), x);
    grad.x.forEach((g: number, k: number) => expect(g).toBeCloseTo(expected[k]!, 6));
    // The value is proportional to scale squared.
    expect(grad.scale).toBeCloseTo((2 * closedForm(x, scale)) / scale, 10);
  });

  test("jvp along a direction computed from x, vjp with a cotangent read from x", () => {
    const closedForm = (x: number[], s: number) => {
      const [a, b, c] = x as [number, number, number];
      const along = { value: a * b * c, tangent: b * c * c + a * c - a * b * a };
      const back = { value: [s * a * b, Math.exp(b) + c], grad: [s * b, s * a + a * Math.exp(b), a] };
      return along.value + along.tangent * back.grad[1]! + back.value[0]! * back.grad[2]!;
    };
    const x = [0.5, -1, 2];
    const { value, grad } = generated.productsGrad!(x, 1.5);
    expect(value).toBeCloseTo(closedForm(x, 1.5), 12);
    const expected = numericGradient((v) => closedForm(v, 1.5), x);
    grad.x.forEach((g: number, k: number) => expect(g).toBeCloseTo(expected[k]!, 6));
    const tangent = generated.productsJvp!(x, 1.5, { x: [1, 0, 0], s: 0 }).tangent;
    expect(tangent).toBeCloseTo(expected[0]!, 6);
  });
});

describe("gradient descent whose steps call grad", () => {
  // p0 <- 0.8 p0 + 0.2 c and p1 <- 0.6 p1 - 0.4 c from 0: p0 + p1 = c (0.6^5 - 0.8^5) after 5 steps.
  const slope = 0.6 ** 5 - 0.8 ** 5;
  for (const inner of ["descend", "descendForward"]) {
    test.each([0.5, -1.5, 2])(`${inner}, c = %d`, (c) => {
      expect(generated[inner]!(c)).toBeCloseTo(c * slope, 12);
      const { value, grad } = generated[`${inner}Grad`]!(c);
      expect(value).toBeCloseTo(c * slope, 12);
      expect(grad.c).toBeCloseTo(slope, 12);
      expect(generated[`${inner}Jvp`]!(c, { c: 1 }).tangent).toBeCloseTo(slope, 12);
    });
  }
});

test("the operators throw where they run without the compiler, naming what to call", () => {
  const square = (x: number) => x * x;
  expect(() => grad(square)).toThrow(/compile-time operator expanded by adjoint/);
  expect(() => valueAndGrad(square)).toThrow(/valueAndGrad/);
  expect(() => jvp(square)).toThrow(/jvp/);
  expect(() => vjp((x: number) => [x])).toThrow(/vjp/);
});

describe("refusals are located at the call", () => {
  // Inside the project, so that the source resolves the package's own name.
  const projectDir = mkdtempSync(path.join(process.cwd(), ".nested-derivatives-"));
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  const diagnosticsOf = async (body: string) => {
    const input = path.join(projectDir, `case${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(input, `import { grad } from "adjoint";\n${body}`);
    return (await compile([input], { outDir: projectDir })).diagnostics;
  };

  test("options that are not an object literal at the call", async () => {
    const diagnostics = await diagnosticsOf(`
const options = { mode: "forward" as const };
/** @differentiable */
export function f(x: number): number {
  return grad((t: number) => t * t, options)(x);
}
`);
    expect(diagnostics).toMatchObject([
      { code: "AD1004", line: 6, message: expect.stringMatching(/options of 'grad'/) },
    ]);
  });

  test("a function whose derivative is taken inside itself", async () => {
    const diagnostics = await diagnosticsOf(`
function g(t: number): number {
  return t * grad(g)(t);
}
/** @differentiable */
export function f(x: number): number {
  return grad(g)(x);
}
`);
    expect(diagnostics).toMatchObject([{ code: "AD1004", message: expect.stringMatching(/inside itself/) }]);
  });
});

describe("a differentiable function calling another function's generated gradient", () => {
  test("is differentiated through the gradient's code: closed forms of f + g_x g_y", async () => {
    const project = mkdtempSync(path.join(os.tmpdir(), "adjoint-calls-grad-"));
    try {
      const bowl = path.join(project, "bowl.ts");
      writeFileSync(
        bowl,
        "/** @differentiable */\nexport function bowl(x: number, y: number): number {\n  return x * x + 3 * x * y + 2 * y * y;\n}\n",
      );
      const first = await compile([bowl]);
      expect(first.diagnostics).toEqual([]);
      writeFileSync(first.files[0]!.outputPath, first.files[0]!.text);
      const user = path.join(project, "user.ts");
      writeFileSync(
        user,
        [
          'import { bowlGrad } from "./bowl.grad.js";',
          "",
          "/** @differentiable */",
          "export function slopeSum(x: number, y: number): number {",
          "  const { value, grad } = bowlGrad(x, y);",
          "  return value + grad.x * grad.y;",
          "}",
          "",
        ].join("\n"),
      );
      const second = await compile([user]);
      expect(second.diagnostics).toEqual([]);
      writeFileSync(second.files[0]!.outputPath, second.files[0]!.text);
      const module = await import(pathToFileURL(second.files[0]!.outputPath).href);
      // f = x^2 + 3xy + 2y^2, g_x = 2x + 3y, g_y = 3x + 4y
      for (const [x, y] of [
        [0.5, -1],
        [2, 0.25],
      ] as const) {
        const { value, grad } = module.slopeSumGrad(x, y);
        expect(value).toBeCloseTo(x * x + 3 * x * y + 2 * y * y + (2 * x + 3 * y) * (3 * x + 4 * y), 12);
        expect(grad.x).toBeCloseTo(14 * x + 20 * y, 12);
        expect(grad.y).toBeCloseTo(20 * x + 28 * y, 12);
        expect(module.slopeSumJvp(x, y, { x: 1, y: 2 }).tangent).toBeCloseTo(
          14 * x + 20 * y + 2 * (20 * x + 28 * y),
          12,
        );
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 60_000);
});
