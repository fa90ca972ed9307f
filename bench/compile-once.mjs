/**
 * `node bench/compile-once.mjs <warm-up.ts> <file.ts>`: compiles the first file (so that loading
 * the compiler and TypeScript's libraries is not counted), then times the compilation of the
 * second, and prints `{ milliseconds, generatedLines }` as JSON. bench/run.mjs runs it in a child
 * process so that a compilation taking too long can be stopped.
 */
import { compile, formatDiagnostic } from "../dist/index.js";

const [warmUp, file] = process.argv.slice(2);

async function compileOrFail(source) {
  const result = await compile([source]);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || result.files.length !== 1) {
    throw new Error(`adjoint could not compile ${source}:\n${errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  }
  return result.files[0];
}

await compileOrFail(warmUp);
const start = performance.now();
const generated = await compileOrFail(file);
const milliseconds = performance.now() - start;
console.log(JSON.stringify({ milliseconds, generatedLines: generated.text.split("\n").length - 1 }));
