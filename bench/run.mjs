#!/usr/bin/env node
/**
 * `npm run bench`: times, in one process, each workload's primal function, the gradient adjoint
 * generates for it and a hand-written adjoint, and prints a table of medians and ratios. The same
 * table goes to bench/RESULTS.md with the machine it ran on.
 *
 * Each workload is bench/workloads/<name>.ts (the @differentiable primal `<name>`) and
 * bench/workloads/<name>.hand.ts (`<name>Adjoint`, returning `{ value, grad }` like the generated
 * `<name>Grad`). The primal is compiled with adjoint's `compile()`; the three TypeScript modules
 * are transpiled to JavaScript in a temporary directory and imported from there.
 *
 * Protocol: first check once, for every workload, that the generated and hand-written gradients
 * agree (fails if their largest relative difference exceeds 1e-8). Then, per workload: warm up;
 * time rounds in which each of the three functions runs once, in an order that rotates from round to round, so that noise
 * (GC, frequency scaling, other processes) affects them alike; report the median of each.
 *
 * Options: --quick (fewer rounds, for trying the script out), --no-write (leave RESULTS.md alone).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(benchDir);
const workloadsDir = path.join(benchDir, "workloads");
const resultsFile = path.join(benchDir, "RESULTS.md");

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const writeResults = !args.has("--no-write");

/** Largest relative difference allowed between the generated and the hand-written gradient. */
const TOLERANCE = 1e-8;

/** Timing budget per workload. */
const WARMUP_ROUNDS = quick ? 3 : 20;
const WARMUP_SECONDS = quick ? 0.2 : 1;
const MIN_ROUNDS = quick ? 5 : 30;
const MIN_SECONDS = quick ? 0.5 : 5;
const MAX_ROUNDS = 2000;
const MAX_SECONDS = 30;

/** Deterministic inputs: a small xorshift generator, uniform in [lo, hi). */
function randomArray(length, lo, hi, seed) {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + (hi - lo) * (s / 4294967296);
  }
  return out;
}

const workloads = [
  {
    name: "logSumExp",
    size: "n = 1,000,000",
    args: () => [randomArray(1_000_000, -10, 10, 12345)],
  },
  {
    // GradBench's llsq: x holds the m polynomial coefficients, n is the number of sample points.
    name: "llsq",
    size: "m = 128 coefficients, n = 4096 points",
    args: () => [randomArray(128, 0, 1, 31337), 4096],
  },
];

async function main() {
  const distIndex = path.join(rootDir, "dist", "index.js");
  if (!existsSync(distIndex)) {
    fail(
      `${path.relative(process.cwd(), distIndex)} not found: run \`npm run build\` first (npm run bench does).`,
    );
  }
  const { compile, formatDiagnostic } = await import(pathToFileURL(distIndex).href);

  const sources = workloads.map((w) => path.join(workloadsDir, `${w.name}.ts`));
  const result = await compile(sources);
  if (result.diagnostics.length > 0) {
    const text = result.diagnostics.map((d) => formatDiagnostic(d)).join("\n");
    if (result.diagnostics.some((d) => d.severity === "error")) fail(`adjoint reported errors:\n${text}`);
    console.warn(text);
  }

  const tmp = mkdtempSync(path.join(os.tmpdir(), "adjoint-bench-"));
  try {
    // Load and check every workload before timing any, so that a disagreement fails fast.
    const prepared = [];
    for (const [index, workload] of workloads.entries()) {
      const generated = result.files.find((f) => path.resolve(f.source) === path.resolve(sources[index]));
      if (!generated) fail(`no generated module for ${workload.name}`);
      const info = generated.functions.find((f) => f.name === workload.name);
      if (!info) fail(`no gradient generated for ${workload.name}`);

      const dir = path.join(tmp, workload.name);
      mkdirSync(dir);
      const primalModule = await load(dir, `${workload.name}.mjs`, readFileSync(sources[index], "utf8"));
      const generatedModule = await load(dir, `${workload.name}.grad.mjs`, generated.text);
      const handSource = path.join(workloadsDir, `${workload.name}.hand.ts`);
      const handModule = await load(dir, `${workload.name}.hand.mjs`, readFileSync(handSource, "utf8"));

      const fns = {
        primal: exported(primalModule, workload.name),
        generated: exported(generatedModule, info.gradientName),
        hand: exported(handModule, `${workload.name}Adjoint`),
      };
      const inputs = workload.args();

      const agreement = check(workload.name, fns, inputs);
      const storage = await measureStorage(dir, workload.name, generated.text, info.gradientName, inputs);
      console.log(
        `${workload.name} (${workload.size}): generated vs hand-written gradient, ` +
          `max relative difference ${agreement.grad.toExponential(2)}; value vs primal: ` +
          `${agreement.value.toExponential(2)} (generated), ${agreement.handValue.toExponential(2)} (hand-written)`,
      );
      prepared.push({ workload, fns, inputs, agreement, storage });
    }

    const rows = [];
    for (const { workload, fns, inputs, agreement, storage } of prepared) {
      const timing = time(fns, inputs);
      rows.push({ workload, agreement, storage, ...timing });
      console.log(
        `${workload.name}: ${timing.rounds} timed rounds after ${timing.warmupRounds} warm-up rounds, ` +
          `${timing.seconds.toFixed(1)} s`,
      );
    }

    const table = tableRows(rows);
    console.log();
    console.log(plainTable(table));
    const machine = machineInfo();
    console.log();
    console.log(`${machine.cpu}; ${machine.node}; ${machine.platform}`);

    if (writeResults) {
      writeFileSync(resultsFile, markdown(table, rows, machine));
      console.log(`\nwrote ${path.relative(process.cwd(), resultsFile)}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Bytes the generated gradient stores for its reverse sweep in one call: its source is loaded a
 * second time with every stack allocation wrapped so that its size is counted (typed arrays by
 * their byte length, growable stacks by 8 bytes a push), and called once.
 */
async function measureStorage(dir, name, source, gradientName, inputs) {
  const counted = source
    .replace(/^(\s*const \w+Stack = )(new (?:Float64Array|Uint8Array)\(.*\));$/gm, "$1globalThis.__countStorage($2);")
    .replace(/^(\s*const \w+Stack): \w+\[\] = \[\];$/gm, "$1 = globalThis.__countPushes([]);");
  let bytes = 0;
  globalThis.__countStorage = (array) => ((bytes += array.byteLength), array);
  globalThis.__countPushes = (array) => {
    array.push = (...values) => ((bytes += 8 * values.length), Array.prototype.push.apply(array, values));
    return array;
  };
  const module = await load(dir, `${name}.storage.grad.mjs`, counted);
  module[gradientName](...inputs);
  const inputBytes = inputs.reduce((sum, input) => sum + (ArrayBuffer.isView(input) ? input.byteLength : Array.isArray(input) ? 8 * input.length : 8), 0);
  return { bytes, inputBytes };
}

/** Transpiles TypeScript to an ES2022 module in `dir` and imports it. */
async function load(dir, fileName, source) {
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: fileName.replace(/\.mjs$/, ".ts"),
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  });
  if (diagnostics && diagnostics.length > 0) {
    const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n");
    fail(`could not transpile ${fileName}:\n${text}`);
  }
  const file = path.join(dir, fileName);
  writeFileSync(file, outputText);
  return import(pathToFileURL(file).href);
}

function exported(module, name) {
  const fn = module[name];
  if (typeof fn !== "function") fail(`expected an exported function ${name}`);
  return fn;
}

/** |a - b| relative to the larger magnitude (0 when both are 0 or equal). */
function relativeDifference(a, b) {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** Runs each function once and compares values and gradients; fails above TOLERANCE. */
function check(name, fns, inputs) {
  const primal = fns.primal(...inputs);
  const generated = fns.generated(...inputs);
  const hand = fns.hand(...inputs);
  const keys = Object.keys(generated.grad).sort();
  const handKeys = Object.keys(hand.grad).sort();
  if (keys.join() !== handKeys.join()) {
    fail(`${name}: generated grad has keys {${keys}} but the hand-written one has {${handKeys}}`);
  }
  let worst = 0;
  let where = "";
  for (const key of keys) {
    const g = generated.grad[key];
    const h = hand.grad[key];
    if (typeof g === "number") {
      const d = relativeDifference(g, h);
      if (!(d <= worst)) [worst, where] = [d, key];
      continue;
    }
    if (g.length !== h.length)
      fail(`${name}: grad.${key} has length ${g.length} generated, ${h.length} hand-written`);
    for (let i = 0; i < g.length; i++) {
      const d = relativeDifference(g[i], h[i]);
      if (!(d <= worst)) [worst, where] = [d, `${key}[${i}]`];
    }
  }
  const value = relativeDifference(generated.value, hand.value);
  if (!(value <= worst)) [worst, where] = [value, "value"];
  if (!(worst <= TOLERANCE)) {
    fail(
      `${name}: the generated and hand-written gradients disagree: relative difference ` +
        `${worst} at ${where} (tolerance ${TOLERANCE})`,
    );
  }
  return {
    grad: worst,
    value: relativeDifference(generated.value, primal),
    handValue: relativeDifference(hand.value, primal),
  };
}

/** Anything the timed calls return goes here, so that no call can be optimized away. */
let sink = 0;

function consume(result) {
  if (typeof result === "number") {
    sink += result;
  } else {
    sink += result.value;
    for (const g of Object.values(result.grad)) sink += typeof g === "number" ? g : g[0];
  }
}

/**
 * Warm-up, then timed rounds. Each round calls primal, generated and hand-written once, starting
 * with a different one each round (the three rotations in turn).
 */
function time(fns, inputs) {
  const names = ["primal", "generated", "hand"];
  const samples = { primal: [], generated: [], hand: [] };
  const runRound = (round, record) => {
    for (let k = 0; k < 3; k++) {
      const name = names[(round + k) % 3];
      const fn = fns[name];
      const start = performance.now();
      const result = fn(...inputs);
      const elapsed = performance.now() - start;
      consume(result);
      if (record) samples[name].push(elapsed);
    }
  };

  let warmupRounds = 0;
  const warmupStart = performance.now();
  while (warmupRounds < WARMUP_ROUNDS || performance.now() - warmupStart < WARMUP_SECONDS * 1000) {
    runRound(warmupRounds++, false);
    if (performance.now() - warmupStart > MAX_SECONDS * 1000) break;
  }

  let rounds = 0;
  const start = performance.now();
  for (;;) {
    runRound(rounds++, true);
    const elapsed = performance.now() - start;
    if (rounds >= MAX_ROUNDS || elapsed > MAX_SECONDS * 1000) break;
    if (rounds >= MIN_ROUNDS && elapsed >= MIN_SECONDS * 1000 && rounds % 3 === 0) break;
  }
  if (!Number.isFinite(sink)) sink = 0;

  return {
    warmupRounds,
    rounds,
    seconds: (performance.now() - warmupStart) / 1000,
    primal: median(samples.primal),
    generated: median(samples.generated),
    hand: median(samples.hand),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const HEADER = [
  "workload",
  "size",
  "runs",
  "primal (ms)",
  "generated (ms)",
  "hand-written (ms)",
  "generated / primal",
  "hand-written / primal",
  "generated / hand-written",
  "bytes stored",
];

function tableRows(rows) {
  const ms = (t) => (t >= 100 ? t.toFixed(1) : t >= 10 ? t.toFixed(2) : t.toFixed(3));
  const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
  return rows.map((r) => [
    r.workload.name,
    r.workload.size,
    String(r.rounds),
    ms(r.primal),
    ms(r.generated),
    ms(r.hand),
    ratio(r.generated, r.primal),
    ratio(r.hand, r.primal),
    ratio(r.generated, r.hand),
    `${r.storage.bytes.toLocaleString("en-US")} (${(r.storage.bytes / r.storage.inputBytes).toFixed(2)}x input)`,
  ]);
}

/** Columns 0-1 are text (left-aligned), the others numbers (right-aligned). */
function plainTable(rows) {
  const widths = HEADER.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function markdownTable(rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  const align = HEADER.map((_, c) => (c < 2 ? "---" : "---:"));
  return [line(HEADER), line(align), ...rows.map(line)].join("\n");
}

function machineInfo() {
  const cpus = os.cpus();
  const model = cpus.length > 0 ? cpus[0].model.trim() : "unknown CPU";
  return {
    cpu: `${model} (${cpus.length} logical cores)`,
    node: `Node ${process.version}`,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** The commit the compiler was built from, and whether src/ had changes not yet committed. */
function compilerRevision() {
  try {
    const git = (...gitArgs) => execFileSync("git", gitArgs, { cwd: rootDir, encoding: "utf8" }).trim();
    const commit = git("rev-parse", "--short", "HEAD");
    return git("status", "--porcelain", "--", "src").length > 0
      ? `${commit} with uncommitted changes in src/`
      : commit;
  } catch {
    return "unknown (not a git checkout)";
  }
}

function markdown(table, rows, machine) {
  const agreement = rows.map((r) => `- ${r.workload.name}: ${r.agreement.grad.toExponential(2)}`).join("\n");
  return `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs); run it again to refresh this file.

- Machine: ${machine.cpu}
- Runtime: ${machine.node} (V8 ${process.versions.v8}), ${machine.platform}
- Compiler: ${compilerRevision()}
- Date: ${new Date().toISOString().slice(0, 10)}${quick ? "\n- **Quick run (--quick): few rounds, numbers are rough.**" : ""}

${markdownTable(table)}

Times are medians over the timed runs, in milliseconds per call. *primal* is the
\`@differentiable\` function in \`bench/workloads/<name>.ts\`; *generated* is the gradient adjoint
generates from it; *hand-written* is \`bench/workloads/<name>.hand.ts\`. Each gradient returns the
value and the whole gradient, allocating its gradient array on every call. *bytes stored* is what
the generated gradient allocates for its reverse sweep in one call (stacks of recorded values and
branch outcomes; the gradient arrays themselves not included), and how that compares with the
size of the inputs.

All three run in one Node process. Each workload is warmed up (at least ${WARMUP_ROUNDS} rounds
and ${WARMUP_SECONDS} s), then timed for at least ${MIN_ROUNDS} rounds and ${MIN_SECONDS} s; each
round calls the three functions once, in an order that rotates from round to round. *runs* is
the number of timed calls of each function.

## Workloads

- **logSumExp**: \`log(sum_i exp(x[i]))\` with the maximum subtracted first (a loop with an
  \`if\` finds it), over a \`Float64Array\` of n = 1,000,000 values uniform in [-10, 10).
- **llsq**: GradBench's linear least squares objective (eval \`llsq\`, from cmpad's llsq_obj),
  \`y(x) = 1/2 sum_{i<n} (s_i - sum_{j<m} x_j t_i^j)^2\` with \`t_i = -1 + 2i/(n-1)\` and
  \`s_i = sign(t_i)\`. As in the eval, **m is the number of coefficients** (the length of \`x\`,
  the differentiated input) and **n the number of sample points** (an \`int\` parameter):
  m = 128 and n = 4096, one of the eval's default sizes (it runs m = 128 with n from 16 to
  16392). \`x\` is uniform in [0, 1). Powers of \`t_i\` use \`Math.pow\`, as the eval's reference
  implementation does.

The hand-written adjoints store as little as a careful person would: logSumExp's keeps the
index of the maximum and writes \`exp(x[i] - m)\` straight into the gradient array; llsq's
accumulates the gradient sample by sample, keeping one sample's powers of \`t_i\` in a scratch
array of length m.

## Agreement

Largest relative difference between the generated and the hand-written gradient (and value),
element by element, \`|a - b| / max(|a|, |b|)\`; the run fails above ${TOLERANCE}:

${agreement}
`;
}

class BenchError extends Error {}

function fail(message) {
  throw new BenchError(message);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof BenchError)) throw error;
  console.error(`bench: ${error.message}`);
  process.exitCode = 1;
}
