/**
 * Packages shipped as one webpack bundle (as matter-js is): a member of the `export =`
 * namespace of the typings is followed to the function its module object is assigned, through
 * the bundle's entry export and `__webpack_require__(N)`, and inlined (an output parameter the
 * call leaves out, an array of objects, an untyped object local to each loop iteration); a
 * member that may change when the code runs, or may never be assigned, is refused, naming why
 * and where. The package is a
 * small one written into a temporary node_modules, in the shape webpack 4 writes.
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

/** A webpack 4 bundle of `modules` (the bodies of the module functions), entry `entry`. */
function bundle(modules: string[], entry: number): string {
  const functions = modules.map(
    (body, i) => `/* ${i} */\n(function(module, exports, __webpack_require__) {\n${body}\n})`,
  );
  return `(function webpackUniversalModuleDefinition(root, factory) {
  if (typeof exports === 'object' && typeof module === 'object') module.exports = factory();
  else root["Geo"] = factory();
})(this, function() {
return (function(modules) {
  var installedModules = {};
  function __webpack_require__(moduleId) {
    if (installedModules[moduleId]) return installedModules[moduleId].exports;
    var module = installedModules[moduleId] = { i: moduleId, l: false, exports: {} };
    modules[moduleId].call(module.exports, module, module.exports, __webpack_require__);
    module.l = true;
    return module.exports;
  }
  return __webpack_require__(__webpack_require__.s = ${entry});
})([
${functions.join(",\n")}
]);
});
`;
}

const vec = `var Vec = {};
module.exports = Vec;
(function() {
  Vec.sub = function(a, b, output) {
    if (!output) output = {};
    output.x = a.x - b.x;
    output.y = a.y - b.y;
    return output;
  };
  Vec.scale = function(v, k) {
    return { x: v.x * k, y: v.y * k };
  };
  Vec.cross = function(a, b) {
    return a.x * b.y - a.y * b.x;
  };
  Vec.length = function(v) {
    return Math.sqrt(Vec.cross(v, { x: -v.y, y: v.x }));
  };
})();`;

const poly = `var Poly = {};
module.exports = Poly;
var Vec = __webpack_require__(0);
(function() {
  Poly.moment = function(points) {
    var sum = { x: 0, y: 0 }, scaled;
    for (var i = 0; i < points.length; i++) {
      scaled = Vec.scale(points[i], i + 1);
      sum = { x: sum.x + scaled.x, y: sum.y + scaled.y };
    }
    return Vec.length(sum);
  };
})();`;

/** A module the entry patches at load time by a computed key, as matter-js's deprecated() does. */
const patched = `var Patched = {};
module.exports = Patched;
Patched.twice = function(x) { return 2 * x; };`;

/** A module whose member is assigned again when a function runs. */
const reassigned = `var Mutable = {};
module.exports = Mutable;
Mutable.f = function(x) { return x * x; };
Mutable.reset = function() { Mutable.f = function(x) { return x; }; };`;

/** A member assigned after a statement that may return: it may never be assigned. */
const late = `var Late = {};
module.exports = Late;
(function() {
  if (typeof window === 'undefined') return;
  Late.f = function(x) { return 3 * x; };
})();`;

/** A module that patches another through a local alias of its require, when it loads and in a
 * function: the patched module's members cannot be followed. */
const aliasing = `var Aliasing = {};
module.exports = Aliasing;
(function() { var mm = __webpack_require__(8); mm.f = function(x) { return -x; }; })();
Aliasing.patch = function() { var all = __webpack_require__(5); all.Target2.g = function(x) { return 7 * x; }; };`;

/** Untyped code the compiler must not take at its word: `arguments[0]` after its parameter is
 * assigned (sloppy mode maps the two), and an object a call returns as its output parameter. */
const sloppy = `var Sloppy = {};
module.exports = Sloppy;
Sloppy.doubled = function(a, b) { a = a * 2; return arguments[0] + b; };
Sloppy.sub = function(a, b, output) { if (!output) output = {}; output.x = a.x - b.x; return output; };
Sloppy.shared = function(a, k) { var p = { x: 0 }; var d = Sloppy.sub({ x: a }, { x: 1 }, p); p.x = p.x * k; return d.x * 10 + p.x; };`;

/** The modules the aliasing one patches. */
const target = `var Target = {};
module.exports = Target;
Target.f = function(x) { return x * x; };`;
const target2 = `var Target2 = {};
module.exports = Target2;
Target2.g = function(x) { return x * x; };`;

/** Plugins, which a function nothing calls would install: it never runs, and changes nothing. */
const root = `var Geo = {};
module.exports = Geo;
(function() {
  Geo.install = function(plugin) { plugin(Geo); };
})();`;

const entry = `var Geo = module.exports = __webpack_require__(5);
Geo.Vec = __webpack_require__(0);
Geo.Poly = __webpack_require__(1);
Geo.Patched = __webpack_require__(2);
Geo.Mutable = __webpack_require__(3);
Geo.Late = __webpack_require__(6);
Geo.Aliasing = __webpack_require__(7);
Geo.Target = __webpack_require__(8);
Geo.Target2 = __webpack_require__(9);
Geo.Sloppy = __webpack_require__(10);
function mark(object, name) { object[name] = object[name]; }
mark(Geo.Patched, 'twice');`;

write("node_modules/geo-bundle/package.json", `{ "name": "geo-bundle", "main": "build/geo.js" }`);
write(
  "node_modules/geo-bundle/build/geo.js",
  bundle([vec, poly, patched, reassigned, entry, root, late, aliasing, target, target2, sloppy], 4),
);
write("node_modules/@types/geo-bundle/package.json", `{ "name": "@types/geo-bundle", "types": "index.d.ts" }`);
write(
  "node_modules/@types/geo-bundle/index.d.ts",
  `export = Geo;
declare namespace Geo {
  export function install(plugin: (geo: typeof Geo) => void): void;
  export class Vec {
    x: number;
    y: number;
    static sub(a: Vec, b: Vec, output?: Vec): Vec;
    static scale(v: Vec, k: number): Vec;
    static cross(a: Vec, b: Vec): number;
    static length(v: Vec): number;
    static missing(v: Vec): number;
  }
  export class Poly {
    static moment(points: Vec[]): number;
  }
  export class Patched {
    static twice(x: number): number;
  }
  export class Late {
    static f(x: number): number;
  }
  export class Sloppy {
    static doubled(a: number, b: number): number;
    static shared(a: number, k: number): number;
  }
  export class Aliasing {
    static patch(): void;
  }
  export class Target {
    static f(x: number): number;
  }
  export class Target2 {
    static g(x: number): number;
  }
  export class Mutable {
    static f(x: number): number;
    static reset(): void;
  }
}
`,
);

test("a bundle's module functions compile through its JavaScript, as inlined straight-line code", async () => {
  const input = write(
    "objective.ts",
    `import Geo from "geo-bundle";

const { Vec } = Geo;

/** @differentiable */
export function stretch(ax: number, ay: number, bx: number, by: number): number {
  const d = Geo.Vec.sub({ x: bx, y: by }, { x: ax, y: ay });
  return Vec.length(Vec.scale(d, 0.5)) + Vec.cross(d, { x: 1, y: 2 });
}

/** @differentiable(wrt: xs) */
export function moment(xs: number[], ys: number[]): number {
  const points = xs.map((x, i) => ({ x, y: ys[i]! }));
  return Geo.Poly.moment(points);
}
`,
  );
  const { files, diagnostics } = await compile([input]);
  expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
  const [file] = files;
  expect(file!.text).not.toMatch(/__webpack_require__|import .*geo-bundle/);
  writeFileSync(file!.outputPath, file!.text);
  await checkGradients(input, file!.outputPath, file!.functions, {
    stretch: [
      [0, 0, 3, 4],
      [1, -2, 0.5, 2],
      [-1, 1, 2, 3],
    ],
    moment: [
      [
        [1, 2, 0.5],
        [0, 1, 2],
      ],
      [
        [-1, 0.3, 2],
        [2, 1, -1],
      ],
      [
        [0.2, 0.4, 0.6],
        [1, 1, 1],
      ],
    ],
  });
});

/** The one diagnostic compiling `body` as a differentiable function's return gives. */
async function refusal(name: string, body: string, extra = "") {
  const input = write(
    `${name}.ts`,
    `import Geo from "geo-bundle";

/** @differentiable */
export function f(x: number): number {
  return ${body};
}
${extra}`,
  );
  const { diagnostics } = await compile([input]);
  expect(diagnostics).toHaveLength(1);
  expect(diagnostics[0]!.line).toBe(5);
  return diagnostics[0]!;
}

test("a module the bundle gives to code that may change its members is refused, naming where", async () => {
  const diagnostic = await refusal("patched", "Geo.Patched.twice(x)");
  expect(diagnostic.code).toBe("AD1004");
  expect(diagnostic.message).toMatch(
    /'Geo\.Patched\.twice' cannot be followed into the bundle of its package: 'Patched' is passed to 'mark', which may change its members \(geo\.js:\d+:\d+\)/,
  );
});

test("a module patched through a local alias of its require is refused", async () => {
  const atLoad = await refusal("aliased-at-load", "Geo.Target.f(x)");
  expect(atLoad.code).toBe("AD1004");
  const setup = "export function setup(): void {\n  Geo.Aliasing.patch();\n}\n";
  const whenCalled = await refusal("aliased-when-called", "Geo.Target2.g(x)", setup);
  expect(whenCalled.code).toBe("AD1004");
  expect(whenCalled.message).toMatch(/cannot be followed into the bundle of its package/);
});

test("untyped code whose arguments object or returned output the compiler cannot follow is refused", async () => {
  const mapped = await refusal("sloppy-arguments", "Geo.Sloppy.doubled(x, 1)");
  expect(mapped.code).toBe("AD1004");
  expect(mapped.message).toMatch(/'arguments\[0\]' is 'a' in this function, which is not strict mode code/);
  const shared = await refusal("returned-output", "Geo.Sloppy.shared(x, 2)");
  expect(shared.code).toBe("AD1004");
  expect(shared.message).toMatch(/'p' may share its object with another variable or a call/);
});

test("a member assigned again when code runs is refused", async () => {
  const diagnostic = await refusal("mutable", "Geo.Mutable.f(x)");
  expect(diagnostic.code).toBe("AD1004");
  expect(diagnostic.message).toMatch(/'Mutable\.f' is assigned more than once \(geo\.js:\d+:\d+\)/);
});

test("a member assigned after a statement that may return is refused", async () => {
  const diagnostic = await refusal("late", "Geo.Late.f(x)");
  expect(diagnostic.code).toBe("AD1004");
  expect(diagnostic.message).toMatch(
    /'Late\.f' is assigned when code runs, not when its module loads \(geo\.js:\d+:\d+\)/,
  );
});

test("a member the typings declare and the bundle does not build is reported as not found", async () => {
  const diagnostic = await refusal("missing", "Geo.Vec.missing({ x, y: 1 })");
  expect(diagnostic.code).toBe("AD1005");
  expect(diagnostic.message).toMatch(/'Vec' has no member 'missing'/);
});

test("a program that assigns a module's member, or calls a function patching modules, is refused", async () => {
  const assigned = await refusal(
    "assigned",
    "Geo.Vec.cross({ x, y: 1 }, { x: 1, y: x })",
    "export function patch(): void {\n  Geo.Vec.cross = () => 0;\n}\n",
  );
  expect(assigned.message).toMatch(/the program assigns 'Geo\.Vec\.cross' \(assigned\.ts:8:3\)/);
  const installs = await refusal(
    "installs",
    "Geo.Vec.cross({ x, y: 1 }, { x: 1, y: x })",
    "export function setUp(): void {\n  Geo.install(() => {});\n}\n",
  );
  expect(installs.message).toMatch(/'Geo' is passed to 'plugin', which may change its members \(geo\.js:\d+:\d+\)/);
});
