/**
 * The load-time interpreter on its own: what the code of a module builds when it loads (tables
 * filled by loops, closures, non-enumerable properties, modules importing each other), and
 * where it stops (a condition on a value it does not compute, a loop past the step budget).
 */
import { describe, expect, test } from "vitest";
import { ts } from "ts-morph";
import { HeapArray, HeapFunction, HeapObject, type HeapValue } from "../src/frontend/load-time/heap.js";
import { Interpreter, type ModuleRecord } from "../src/frontend/load-time/interpreter.js";

/** Loads `main.js` of the given files, which import each other by `./name.js`. */
function load(files: Record<string, string>, budget?: number): { main: ModuleRecord; interpreter: Interpreter } {
  const sources = new Map(
    Object.entries(files).map(([name, text]) => [
      `/virtual/${name}`,
      {
        file: ts.createSourceFile(`/virtual/${name}`, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS),
        inProgram: false,
      },
    ]),
  );
  const interpreter = new Interpreter(
    (specifier) => sources.get(`/virtual/${specifier.text.replace(/^\.\//, "")}`),
    budget,
  );
  return { main: interpreter.load(sources.get("/virtual/main.js")!), interpreter };
}

const variable = (record: ModuleRecord, name: string): HeapValue => {
  const binding = record.scope.bindings.get(name);
  return binding && "value" in binding ? binding.value : undefined;
};

const objectAt = (value: HeapValue, ...path: string[]): HeapObject => {
  let current = value;
  for (const key of path) current = (current as HeapObject).get(key);
  expect(current).toBeInstanceOf(HeapObject);
  return current as HeapObject;
};

describe("what load-time code builds", () => {
  test("a table filled by loops over Object.keys, with closures capturing each iteration's value", () => {
    const { main } = load({
      "main.js": `
        const factors = { m: 1, km: 1000 };
        export const table = {};
        function scaleBy(k) { return (x) => x * k; }
        for (const from of Object.keys(factors)) {
          table[from] = {};
          for (let i = 0, keys = Object.keys(factors); i < keys.length; i++)
            table[from][keys[i]] = scaleBy(factors[from] / factors[keys[i]]);
        }`,
    });
    expect(main.state).toBe("loaded");
    const row = objectAt(variable(main, "table"), "km");
    expect(row.keys()).toEqual(["m", "km"]);
    const fn = row.get("m") as HeapFunction;
    expect(fn).toBeInstanceOf(HeapFunction);
    const k = fn.scope.lookup("k");
    expect(k && "value" in k ? k.value : undefined).toBe(1000);
  });

  test("Object.defineProperty makes a property Object.keys does not list, and delete removes one", () => {
    const { main } = load({
      "main.js": `
        const model = { channels: 3, labels: "rgb", hsl: 1 };
        const { channels } = model;
        delete model.channels;
        Object.defineProperty(model, "channels", { value: channels });
        export const keys = Object.keys(model);`,
    });
    expect((variable(main, "keys") as HeapArray).elements).toEqual(["labels", "hsl"]);
  });

  test("modules importing each other read each other's bindings when they are read", () => {
    const { main } = load({
      "main.js": `import { register } from "./registry.js"; import "./modes.js"; export const n = register.count;`,
      "registry.js": `import { use } from "./modes.js"; export const register = { count: 0 }; use(register);`,
      "modes.js": `import { register } from "./registry.js"; export function use(r) { r.count++; }`,
    });
    expect(main.state).toBe("loaded");
    expect(variable(main, "n")).toBe(1);
  });
});

describe("where it stops", () => {
  test("a condition on Math.random(), with the place", () => {
    const { main } = load({ "main.js": `const t = {};\nif (Math.random() > 0.5) t.f = (x) => x;` });
    expect(main.state).toBe("stopped");
    expect(main.stop!.why).toContain("'Math.random'");
    expect(main.stop!.node.getText()).toBe("Math.random() > 0.5");
  });

  test("a loop past the step budget", () => {
    const { main } = load({ "main.js": `let i = 0; while (true) i++;` }, 1000);
    expect(main.stop?.why).toBe("the load code runs more than 1000 steps");
    expect(load({ "main.js": `let i = 0; while (i < 100) i++;` }, 1000).main.state).toBe("loaded");
  });

  test("an object handed to a function the interpreter does not call", () => {
    const { main } = load({ "main.js": `const table = {}; setTimeout(() => { table.f = 1; }, 0);` });
    expect(main.stop?.why).toContain("'setTimeout'");
  });
});
