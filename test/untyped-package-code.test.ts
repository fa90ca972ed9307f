/**
 * The JavaScript of a colour package written as culori writes its own: colours are object
 * literals with a string `mode`; a converter made by a factory with a default mode tests its
 * colour against undefined, with `typeof` and by comparing modes, all decided at compile time;
 * booleans take part in arithmetic; and the typings in @types mirror the source files, one of
 * which has a default export and one a name the package's entry renames. The package is
 * written into a temporary node_modules.
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

const pkg = "node_modules/tiny-colour";
write(
  `${pkg}/package.json`,
  `{ "name": "tiny-colour", "type": "module", "exports": { ".": { "import": "./src/index.js" } } }`,
);
write(
  `${pkg}/src/index.js`,
  `export { default as converter } from "./converter.js";
export { hueDifference as differenceHue } from "./difference.js";
export { greyOf } from "./modes.js";
`,
);
write(
  `${pkg}/src/prepare.js`,
  `const prepare = (color, mode) =>
  color === undefined
    ? undefined
    : typeof color !== "object"
      ? undefined
      : color.mode !== undefined
        ? color
        : mode
          ? { ...color, mode }
          : undefined;
export default prepare;
`,
);
write(
  `${pkg}/src/linear.js`,
  `const channel = (c = 0) => (Math.abs(c) <= 0.04 ? c / 12.92 : Math.sign(c) * Math.pow((Math.abs(c) + 0.055) / 1.055, 2.4));
const toLinear = ({ r, g, b, alpha }) => {
  let res;
  if (r > g) res = { r: channel(r), g: channel(g), b: channel(b) };
  else res = { r: channel(r), g: channel(g), b: channel(b) };
  res.mode = "lrgb";
  if (alpha !== undefined) res.alpha = alpha;
  return res;
};
export default toLinear;
`,
);
write(
  `${pkg}/src/converter.js`,
  `import prepare from "./prepare.js";
import toLinear from "./linear.js";
const converter =
  (target = "lrgb") =>
  color =>
    (color = prepare(color, target)) !== undefined
      ? color.mode === target
        ? color
        : toLinear(color)
      : undefined;
export default converter;
`,
);
write(
  `${pkg}/src/difference.js`,
  `export const hueDifference = (a, b) => {
  let d = b.h - a.h;
  d -= (d > 180) * 360;
  d += (d < -180) * 360;
  return d;
};
`,
);
write(
  `${pkg}/src/modes.js`,
  `const weights = {};
export const useWeight = (mode, weight) => {
  weights[mode] = weight;
};
useWeight("grey", 0.5);
export const greyOf = (c) => c * weights["grey"];
`,
);
write("node_modules/@types/tiny-colour/package.json", `{ "name": "@types/tiny-colour", "types": "index.d.ts" }`);
write("node_modules/@types/tiny-colour/index.d.ts", `export * from "./src/index.js";\n`);
write(
  "node_modules/@types/tiny-colour/src/index.d.ts",
  `export { default as converter } from "./converter.js";
export { differenceHue } from "./difference.js";
export { greyOf } from "./modes.js";
`,
);
write("node_modules/@types/tiny-colour/src/modes.d.ts", `export declare function greyOf(c: number): number;\n`);
write(
  "node_modules/@types/tiny-colour/src/converter.d.ts",
  `export interface Rgb { mode: "rgb" | "lrgb"; r: number; g: number; b: number; alpha?: number }
declare function converter(target?: "rgb" | "lrgb"): (color: Rgb | Omit<Rgb, "mode">) => Rgb;
export default converter;
`,
);
write(
  "node_modules/@types/tiny-colour/src/difference.d.ts",
  `declare function differenceHue(a: { h: number }, b: { h: number }): number;
export { differenceHue };
`,
);

const input = write(
  "objective.ts",
  `import { converter, differenceHue } from "tiny-colour";

/** @differentiable */
export function linearLight(r: number, g: number, b: number): number {
  const linear = converter()({ mode: "rgb", r, g, b });
  const same = converter("rgb")({ r: b, g, b: r });
  return 0.2 * linear.r + 0.7 * linear.g + 0.1 * linear.b + same.r;
}

/** @differentiable */
export function hueGap(h1: number, h2: number): number {
  return differenceHue({ h: h1 }, { h: h2 }) ** 2;
}
`,
);

test("a colour package's converters, mode tests and boolean arithmetic compile, decided at compile time", async () => {
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
  const [file] = files;
  // Every test of a mode or of undefined was decided: no string is left in the code.
  const code = file!.text.replace(/\/\/.*$/gm, "");
  expect(code).not.toMatch(/"(rgb|lrgb)"|undefined/);
  writeFileSync(file!.outputPath, file!.text);
  await checkGradients(input, file!.outputPath, file!.functions, {
    linearLight: [
      [0.3, 0.4, 0.6],
      [0.8, 0.2, 0.02],
      [0.5, 0.5, 0.5],
    ],
    hueGap: [
      [10, 100],
      [350, 20],
      [30, 300],
    ],
  });
});

test("reading a channel a colour lacks is reported at the user's call", async () => {
  const refused = write(
    "refused.ts",
    `import { differenceHue } from "tiny-colour";

/** @differentiable */
export function hueOfNothing(h: number): number {
  return differenceHue({ h }, {} as { h: number });
}
`,
  );
  const { diagnostics } = await compile([refused]);
  expect(diagnostics.map((d) => d.code)).toEqual(["AD1009"]);
  expect(diagnostics[0]!.line).toBe(5);
  expect(diagnostics[0]!.message).toMatch(/node_modules\/tiny-colour\/src\/difference\.js:2:\d+/);
});

test("a table the package fills when it loads is not read as the empty object it starts as", async () => {
  const refused = write(
    "table.ts",
    `import { greyOf } from "tiny-colour";

/** @differentiable */
export function grey(c: number): number {
  return greyOf(c);
}
`,
  );
  const { diagnostics } = await compile([refused]);
  expect(diagnostics.map((d) => d.code)).toEqual(["AD1004"]);
  expect(diagnostics[0]!.message).toMatch(
    /'weights' is a module-level object that code changes at run time \(modes\.js:3\)/,
  );
});
