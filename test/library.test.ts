/**
 * Library code: functions of npm packages that ship JavaScript with typings are compiled
 * through from the JavaScript, found beside the `.d.ts` or, for `@types` typings, at the
 * package's entry; the generated module does not import the package, and its gradient agrees
 * with finite differences. The packages are small ones written into a temporary node_modules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { compile } from "../src/index.js";
import { checkGradients } from "./support/gradient-check.js";

const dir = mkdtempSync(fileURLToPath(new URL("../.test-tmp-", import.meta.url)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(file: string, text: string): string {
  const full = path.join(dir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

// Typings beside the JavaScript, which has JSDoc types and untyped locals.
write("node_modules/tiny-stats/package.json", `{ "name": "tiny-stats", "type": "module", "main": "lib/index.js" }`);
write("node_modules/tiny-stats/lib/index.d.ts", `export { mean, ratio, variance } from "./moments.js";\n`);
write("node_modules/tiny-stats/lib/index.js", `export { mean, ratio, variance } from "./moments.js";\n`);
write(
  "node_modules/tiny-stats/lib/moments.d.ts",
  `export declare function mean(xs: readonly number[]): number;
export declare function variance(xs: readonly number[]): number;
export declare function ratio(a: number, b: number): number;
`,
);
write(
  "node_modules/tiny-stats/lib/moments.js",
  `/** @param {readonly number[]} xs */
export function mean(xs) {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}

/** @param {readonly number[]} xs */
export function variance(xs) {
  const m = mean(xs);
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i] - m;
    sum += d * d;
  }
  return sum / xs.length;
}

export function ratio(a, b) {
  return (a | 0) + b / a;
}
`,
);
// Typings in @types, JavaScript without types at the package's `module` entry.
write("node_modules/tiny-ease/package.json", `{ "name": "tiny-ease", "type": "module", "main": "src/index.js" }`);
write("node_modules/tiny-ease/src/index.js", `export { default as cubicInOut } from "./cubic.js";\n`);
write(
  "node_modules/tiny-ease/src/cubic.js",
  `export default function cubicInOut(t) {
  return t < 0.5 ? 4 * t * t * t : 1 - Math.pow(-2 * t + 2, 3) / 2;
}
`,
);
write("node_modules/@types/tiny-ease/package.json", `{ "name": "@types/tiny-ease", "types": "index.d.ts" }`);
write("node_modules/@types/tiny-ease/index.d.ts", `export function cubicInOut(t: number): number;\n`);

const input = write(
  "objective.ts",
  `import { mean, variance } from "tiny-stats";
import { cubicInOut } from "tiny-ease";

/** @differentiable */
export function spread(xs: number[]): number {
  return variance(xs) + mean(xs) * mean(xs);
}

/** @differentiable */
export function eased(t: number): number {
  return cubicInOut(t) * t;
}
`,
);

test("library functions compile through their JavaScript, and the module does not import them", async () => {
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
  const [file] = files;
  expect(file!.text).not.toMatch(/from "tiny-/);
  writeFileSync(file!.outputPath, file!.text);
  await checkGradients(input, file!.outputPath, file!.functions, {
    spread: [[[1, 2, 4]], [[0.5, -1, 2, 3]], [[-0.3, 0.2]]],
    eased: [[0.2], [0.4], [0.8]],
  });
});

test("what library code does that the compiler refuses is reported at the user's call, naming the package's file", async () => {
  const refused = write(
    "refused.ts",
    `import { ratio } from "tiny-stats";

/** @differentiable */
export function relative(a: number, b: number): number {
  return ratio(a, b) * b;
}
`,
  );
  const { diagnostics } = await compile([refused]);
  expect(diagnostics).toHaveLength(1);
  const [diagnostic] = diagnostics;
  expect(diagnostic!.code).toBe("AD1004");
  expect(diagnostic!.file).toMatch(/refused\.ts$/);
  expect(diagnostic!.line).toBe(5);
  expect(diagnostic!.message).toMatch(
    /in package code \(.*node_modules\/tiny-stats\/lib\/moments\.js:20:\d+\) this call runs/,
  );
});
