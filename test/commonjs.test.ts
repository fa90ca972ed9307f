/**
 * CommonJS packages: typings written with `export =` (as `@types` packages of CommonJS code are)
 * lead to what the package's JavaScript assigns to `module.exports` (a function, or an object of
 * functions), functions assigned to `exports.f`, and files the package `require`s by relative
 * paths. A package function that calls itself compiles as a copy specialised for the call (a
 * callback it makes from its own variables is refused), and one the JavaScript only builds when
 * it loads is reported as not found there. The
 * packages are small ones written into a temporary node_modules.
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

// `module.exports = simpson`, typed by `@types` with `export =`, requiring a file of its own.
write("node_modules/cjs-simpson/package.json", `{ "name": "cjs-simpson", "main": "index.js" }`);
write(
  "node_modules/cjs-simpson/index.js",
  `'use strict';
var weights = require('./weights');

module.exports = simpson;

function simpson(f, a, b, n) {
  var h = (b - a) / n;
  var sum = 0;
  for (var i = 0; i <= n; i++) sum += weights.weight(i, n) * f(a + i * h);
  return (sum * h) / 3;
}
`,
);
write(
  "node_modules/cjs-simpson/weights.js",
  `'use strict';
exports.weight = function weight(i, n) {
  if (i === 0 || i === n) return 1;
  return i % 2 === 1 ? 4 : 2;
};
`,
);
write("node_modules/@types/cjs-simpson/package.json", `{ "name": "@types/cjs-simpson", "types": "index.d.ts" }`);
write(
  "node_modules/@types/cjs-simpson/index.d.ts",
  `declare function simpson(f: (x: number) => number, a: number, b: number, n: number): number;
export = simpson;
`,
);

// `module.exports = { ... }` and `exports.f = f`, typed beside the JavaScript.
write("node_modules/cjs-shapes/package.json", `{ "name": "cjs-shapes", "main": "index.js", "types": "index.d.ts" }`);
write(
  "node_modules/cjs-shapes/index.js",
  `function area(w, h) {
  return w * h;
}
function perimeter(w, h) {
  return 2 * (w + h);
}
module.exports = { area: area, perimeter };
`,
);
write(
  "node_modules/cjs-shapes/index.d.ts",
  `declare namespace shapes {
  function area(w: number, h: number): number;
  function perimeter(w: number, h: number): number;
}
export = shapes;
`,
);
write("node_modules/cjs-norms/package.json", `{ "name": "cjs-norms", "main": "index.js", "types": "index.d.ts" }`);
write(
  "node_modules/cjs-norms/index.js",
  `function hypot2(x, y) {
  return Math.sqrt(x * x + y * y);
}
exports.hypot2 = hypot2;
`,
);
write("node_modules/cjs-norms/index.d.ts", `export function hypot2(x: number, y: number): number;\n`);

// A recursion on values, as adaptive quadrature does.
write("node_modules/cjs-adaptive/package.json", `{ "name": "cjs-adaptive", "main": "index.js" }`);
write(
  "node_modules/cjs-adaptive/index.js",
  `module.exports = adaptive;

function refine(f, a, b, tol) {
  var m = (a + b) / 2;
  var whole = (b - a) * f(m);
  var halves = (m - a) * f((a + m) / 2) + (b - m) * f((m + b) / 2);
  if (Math.abs(whole - halves) < tol) return halves;
  return refine(f, a, m, tol / 2) + refine(f, m, b, tol / 2);
}

function adaptive(f, a, b) {
  return refine(f, a, b, 1e-6);
}
`,
);
// A recursion passing on a new callback at each level, which reads the callback it was given.
write("node_modules/cjs-nested/package.json", `{ "name": "cjs-nested", "main": "index.js" }`);
write(
  "node_modules/cjs-nested/index.js",
  `module.exports = nest;

function twice(f, n) {
  if (n === 0) return f(1);
  return twice(function (x) { return 2 * f(x); }, n - 1);
}

function nest(f, n) {
  return twice(f, n);
}
`,
);
write(
  "node_modules/cjs-nested/index.d.ts",
  `declare function nest(f: (x: number) => number, n: number): number;
export = nest;
`,
);
// A recursion reached through a variable holding the function.
write("node_modules/cjs-through-value/package.json", `{ "name": "cjs-through-value", "main": "index.js" }`);
write(
  "node_modules/cjs-through-value/index.js",
  `module.exports = run;

function halve(f, x, n) {
  if (n === 0) return f(x);
  return halve(f, x / 2, n - 1);
}

function run(f, x) {
  var step = halve;
  return step(f, x, 3);
}
`,
);
write(
  "node_modules/cjs-through-value/index.d.ts",
  `declare function run(f: (x: number) => number, x: number): number;
export = run;
`,
);
write(
  "node_modules/cjs-adaptive/index.d.ts",
  `declare function adaptive(f: (x: number) => number, a: number, b: number): number;
export = adaptive;
`,
);

test("functions CommonJS packages export compile through their JavaScript", async () => {
  const input = write(
    "objective.ts",
    `import simpson from "cjs-simpson";
import shapes = require("cjs-shapes");
import { hypot2 } from "cjs-norms";

/** @differentiable */
export function moment(k: number): number {
  return simpson((x) => Math.exp(-k * x) * x, 0, 2, 8);
}

/** @differentiable */
export function box(w: number, h: number): number {
  return shapes.area(w, h) + shapes.perimeter(w, h) * hypot2(w, h);
}
`,
  );
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
  const [file] = files;
  expect(file!.text).not.toMatch(/cjs-|require/);
  writeFileSync(file!.outputPath, file!.text);
  await checkGradients(input, file!.outputPath, file!.functions, {
    moment: [[0.5], [1.2], [-0.3]],
    box: [
      [1, 2],
      [0.5, 3],
      [2.5, 0.4],
    ],
  });
});

test("a package function that calls itself compiles as a copy specialised for the call", async () => {
  const input = write(
    "recursive.ts",
    `import adaptive from "cjs-adaptive";

/** @differentiable */
export function area(k: number): number {
  return adaptive((x) => k * x * x, 0, 1);
}
`,
  );
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics).toEqual([]);
  const [file] = files;
  expect(file!.text).toMatch(/function refineForArea\(/);
  expect(file!.text).toMatch(/export function refineForAreaGrad\(/);
  writeFileSync(file!.outputPath, file!.text);
  await checkGradients(input, file!.outputPath, file!.functions, { area: [[0.5], [1.2], [-0.3]] });
});

test("a callback a recursive package function makes, reading its own variables, is refused at the user's call", async () => {
  const input = write(
    "nested-callbacks.ts",
    `import nest from "cjs-nested";

/** @differentiable */
export function scaled(k: number): number {
  return nest((x) => k * x, 3);
}
`,
  );
  const { diagnostics } = await compile([input]);
  expect(diagnostics).toHaveLength(1);
  const [diagnostic] = diagnostics;
  expect(diagnostic!.code).toBe("AD1004");
  expect(diagnostic!.file).toMatch(/nested-callbacks\.ts$/);
  expect(diagnostic!.line).toBe(5);
  expect(diagnostic!.message).toMatch(
    /'twice' of a package calls itself.*a callback that reads 'f', a variable of 'twice' itself.*in package code \(.*node_modules\/cjs-nested\/index\.js:\d+:\d+\) this call runs/,
  );
});

test("a recursive package function called through a function value is refused at the user's call", async () => {
  const input = write(
    "through-value.ts",
    `import run from "cjs-through-value";

/** @differentiable */
export function halved(k: number): number {
  return run((x) => k * x, 8);
}
`,
  );
  const { diagnostics } = await compile([input]);
  expect(diagnostics).toHaveLength(1);
  const [diagnostic] = diagnostics;
  expect(diagnostic!.code).toBe("AD1004");
  expect(diagnostic!.file).toMatch(/through-value\.ts$/);
  expect(diagnostic!.line).toBe(5);
  expect(diagnostic!.message).toMatch(/'halve' of a package calls itself, and is called here through a function value/);
});

/** A CommonJS package of recursive functions whose specialised copies would lose something:
 * a derivative through their state object, or the undefined a result is tested for. */
function writeRecursionLimitsPackage(): void {
  write("node_modules/cjs-limits/package.json", `{ "name": "cjs-limits", "main": "index.js", "types": "index.d.ts" }`);
  write(
    "node_modules/cjs-limits/index.js",
    `function accumulate(a, n, s) { s.total = s.total + a; if (n <= 0) return 0; return accumulate(a, n - 1, s); }
function power(a, n, s) { if (n <= 0) return a; return power(a, n - 1, s) * s.factor; }
function halve(a, n) { if (n < 0) return; if (n === 0) return a; var r = halve(a / 2, n - 2); if (r === undefined) return a; return r + a; }
exports.total = function (a) { var s = { total: 0 }; accumulate(a, 2, s); return s.total; };
exports.scaled = function (a, b) { var s = { factor: b }; return power(a, 2, s); };
exports.halves = function (a, n) { return halve(a, n); };
`,
  );
  write(
    "node_modules/cjs-limits/index.d.ts",
    `export function total(a: number): number;
export function scaled(a: number, b: number): number;
export function halves(a: number, n: number): number;
`,
  );
}

test("a recursive package function whose copy would drop a derivative or an undefined is refused at the user's call", async () => {
  writeRecursionLimitsPackage();
  const cases = [
    {
      name: "total",
      call: "total(x)",
      message: /'accumulate' of a package calls itself.*'s\.total = s\.total \+ a' writes with a computed value/,
    },
    {
      name: "scaled",
      call: "scaled(x, y)",
      message: /'power' of a package calls itself.*this call gives 'factor' a computed value/,
    },
    {
      name: "halves",
      call: "halves(x, y)",
      message: /'halve' of a package calls itself.*'r === undefined' tests its result for undefined/,
    },
  ];
  for (const [k, { name, call, message }] of cases.entries()) {
    const input = write(
      `limits-${k}.ts`,
      `import { ${name} } from "cjs-limits";

/** @differentiable */
export function f(x: number, y: number): number {
  return ${call} + 0 * y;
}
`,
    );
    const { diagnostics } = await compile([input]);
    expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^AD1004/)]);
    expect(diagnostics[0]!.line).toBe(5);
    expect(diagnostics[0]!.message).toMatch(message);
  }
});

/** A CommonJS package whose functions its load code builds in a table, one of them declared but never built. */
function writeTablePackage(): void {
  write("node_modules/cjs-table/package.json", `{ "name": "cjs-table", "main": "index.js", "types": "index.d.ts" }`);
  write(
    "node_modules/cjs-table/index.js",
    `var table = {};
["double", "triple"].forEach(function (name, i) {
  table[name] = function (x) { return x * (i + 2); };
});
module.exports = table;
`,
  );
  write(
    "node_modules/cjs-table/index.d.ts",
    `export function double(x: number): number;\nexport function halve(x: number): number;\n`,
  );
}

test("a function a package builds when it loads is compiled from the table its load code fills", async () => {
  writeTablePackage();
  const input = write(
    "table.ts",
    `import { double } from "cjs-table";

/** @differentiable */
export function twice(x: number): number {
  return double(x) * x;
}
`,
  );
  const { diagnostics, files } = await compile([input]);
  expect(diagnostics).toEqual([]);
  const [file] = files;
  expect(file!.text).not.toMatch(/cjs-|require/);
  writeFileSync(file!.outputPath, file!.text);
  await checkGradients(input, file!.outputPath, file!.functions, { twice: [[0.5], [1.2], [-0.3]] });
});

test("a function the typings declare that the load code does not build is reported as not found in its JavaScript", async () => {
  writeTablePackage();
  const input = write(
    "halve.ts",
    `import { halve } from "cjs-table";

/** @differentiable */
export function half(x: number): number {
  return halve(x);
}
`,
  );
  const { diagnostics } = await compile([input]);
  expect(diagnostics).toHaveLength(1);
  expect(diagnostics[0]!.code).toBe("AD1005");
  expect(diagnostics[0]!.line).toBe(5);
  expect(diagnostics[0]!.message).toMatch(
    /'halve' is declared in a package's typings, but its JavaScript defines no function/,
  );
});
