#!/usr/bin/env node
/**
 * `npm run bench`: how fast adjoint's generated code and the compiler are. Writes BENCHMARKS.md
 * (tables, and the machine they were measured on) and bench/ratios.svg (a chart of the
 * gradient / primal ratios against GradBench's targets).
 *
 * 1. GradBench evals. For each eval module gradbench/evals/<eval>.ts and each pair of functions
 *    of gradbench/samples/<eval>.json (the primal, then its gradient or Jacobian), at the sample
 *    input and at a larger one (bench/inputs.mjs): the median time of each function, run by the
 *    GradBench tool (dist/gradbench/tool.js) through its protocol, as GradBench runs it. Each
 *    other implementation bench/workloads/<eval>.hand.ts (hand-written), <eval>.tfjs.mjs or
 *    <eval>.tfjs-loop.mjs (TensorFlow.js, when installed) stands in for the generated module in the tool's adapter,
 *    so that it gets the same input conversion and the same timed call; it is checked against
 *    the generated gradient first. The bytes stored for the reverse sweep are counted in a copy
 *    of the generated module with its stacks instrumented.
 * 2. Forward mode, at the same inputs: the JVP of the eval's differentiable function against
 *    that function, and the HVP of a function with `@hessian`, on the arguments the adapter gives
 *    the primal and a pseudo-random tangent (bench/forward.mjs), each checked first.
 * 3. Nested derivatives (saddle, particle): each function of the sample, which has no primal,
 *    against the hand-written version bench/workloads/<eval>.hand.ts standing in for the
 *    generated module in the adapter, after checking that the two agree.
 * 4. Compile times: each eval module (the tool's `define` timing), synthetic functions of 100,
 *    1,000 and 10,000 statements (bench/compile-once.mjs, in a child process with a time limit),
 *    and the wall-clock time of `adjoint --check` on a 1,000-statement module.
 *
 * Options: --quick (fewer runs and no 10,000-statement functions: rough numbers in about two
 * minutes), --no-write (print the tables, write no file), --only=<eval>[,<eval>...] (only those
 * evals, no compile times; writes no file, since its tables would be partial).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { FORWARD_TOLERANCE, hvpContenders, jacobianContenders, jvpContenders } from "./forward.mjs";
import { largerInputs, loopSource, straightLineSource } from "./inputs.mjs";
import { chartSvg, count, markdown, plainTables } from "./report.mjs";
import { kernelSources, measureKernels } from "./kernels.mjs";
import { measureStyles, styleSources } from "./styles.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(benchDir);
const workloadsDir = path.join(benchDir, "workloads");
const samplesDir = path.join(rootDir, "gradbench", "samples");

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const only = [...args].find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const write = !args.has("--no-write") && !only;

/**
 * Timing protocol per measured pair: every contender (primal, gradient, other implementations)
 * is warmed up, then timed in rounds; a round runs each contender for ROUND_SECONDS (at least
 * once), starting with a different one each round, so that noise (GC, frequency scaling, other
 * processes on a shared machine) reaches them alike. Times are medians over all timed runs.
 */
const WARMUP = quick ? { runs: 2, seconds: 0.1 } : { runs: 10, seconds: 0.5 };
const ROUNDS = quick ? 3 : 10;
const ROUND_SECONDS = quick ? 0.05 : 0.3;

/** Synthetic functions whose compile time is measured, and how long one may take. */
const SYNTHETIC_SIZES = quick ? [100, 1_000] : [100, 1_000, 10_000];
const COMPILE_TIME_LIMIT_SECONDS = quick ? 30 : 90;
/** Runs of the command line, cold each time (a new process). */
const CLI_RUNS = quick ? 1 : 3;

/**
 * The evals: the gradient / primal ratio aimed at (target), how an input's size reads, and for
 * ht, which has two, the variant an input is for. `jvp` names the differentiable function whose
 * JVP is timed against it, as the eval's primal calls it (for ba, the reprojection error of every
 * observation), with the JVP / primal ratio aimed at where there is one; `hvp` likewise for a
 * function with `@hessian`.
 */
const EVALS = [
  { name: "llsq", target: 2.0, jvp: { function: "llsq", target: 1.5 }, size: (i) => `m = ${i.x.length}, n = ${count(i.n)}` },
  { name: "lse", target: 1.5, jvp: { function: "logsumexp", target: 1.5 }, size: (i) => `n = ${count(i.x.length)}` },
  { name: "det", target: 9.3, jvp: { function: "det" }, size: (i) => `ell = ${i.ell}` },
  { name: "ode", target: 2.5, jvp: { function: "ode", target: 1.5 }, size: (i) => `n = ${count(i.x.length)}, s = ${i.s}` },
  {
    name: "gmm",
    target: 2.1,
    jvp: { function: "gmmObjective", target: 1.5 },
    size: (i) => `d = ${i.d}, k = ${i.k}, n = ${count(i.n)}`,
  },
  {
    name: "lstm",
    target: 2.8,
    jvp: { function: "lstmObjective" },
    size: (i) => `l = ${i.main_params.length / 2}, c = ${count(i.sequence.length)}`,
  },
  { name: "ba", target: 9.7, jvp: { function: "reprojError" }, size: (i) => `n = ${i.n}, m = ${count(i.m)}, p = ${count(i.p)}` },
  {
    name: "ht",
    target: 4.7,
    // the Jacobian by each mode, of the function giving the objective's residuals (for the
    // complicated variant, theta's columns), against the objective
    jacobian: {
      function: (variant) => (variant === "simple" ? "correspondingResiduals" : "triangleResidualsOfTheta"),
      objective: (variant) => (variant === "simple" ? "handObjective" : "handObjectiveComplicated"),
      target: 8,
    },
    size: (i) => `${i.data.correspondences.length} points`,
    variant: (i) => (i.us.length > 0 ? "complicated" : "simple"),
  },
  {
    name: "kmeans",
    target: 6.0,
    jvp: { function: "cost" },
    hvp: { function: "cost" },
    size: (i) => `n = ${count(i.points.length)}, k = ${i.centroids.length}, d = ${i.points[0].length}`,
  },
];

/**
 * The evals of nested derivatives, whose functions (rr, ff, fr, rf: the modes of the outer and
 * the inner derivative) have no primal to compare with: each is timed against a hand-written
 * version of the same algorithm with its derivatives written by hand (bench/workloads), the
 * generated / hand-written ratio aimed at (target). Their inputs have no size, so only the
 * sample's is measured.
 */
const NESTED = [
  { name: "saddle", target: 3.0, size: (i) => `start = (${i.start.join(", ")})` },
  { name: "particle", target: 3.0, size: (i) => `w = ${i.w}` },
];

/** Generated and other gradients must agree elementwise: |a - b| / max(|a|, |b|) <= 1e-8... */
const STRICT = {
  tolerance: 1e-8,
  description: "|a - b| / max(|a|, |b|)",
  scale: (a, b) => Math.max(Math.abs(a), Math.abs(b)),
};
/** ...except float32 implementations, held to GradBench's own criterion. */
const GRADBENCH = {
  tolerance: 1e-4,
  description: "GradBench's criterion |a - b| / max(1, |a| + |b|)",
  scale: (a, b) => Math.max(1, Math.abs(a) + Math.abs(b)),
};

/** Other implementations of an eval's gradient, found by file name in bench/workloads. */
const ALTERNATIVES = [
  { label: "hand-written", suffix: ".hand.ts", agreement: STRICT },
  { label: "TF.js", suffix: ".tfjs.mjs", requires: "@tensorflow/tfjs", agreement: GRADBENCH },
  { label: "TF.js, GradBench's loop", suffix: ".tfjs-loop.mjs", requires: "@tensorflow/tfjs", agreement: GRADBENCH },
];

class BenchError extends Error {}

function fail(message) {
  throw new BenchError(message);
}

async function main() {
  const started = performance.now();
  const dist = (file) => pathToFileURL(path.join(rootDir, "dist", file)).href;
  if (!existsSync(path.join(rootDir, "dist", "index.js"))) {
    fail("dist/index.js not found: run `npm run build` first (npm run bench does).");
  }
  const { compile, formatDiagnostic } = await import(dist("index.js"));
  const { GradbenchTool, evalsDir } = await import(dist("gradbench/tool.js"));
  const { adapters } = await import(dist("gradbench/adapters.js"));

  const tmp = mkdtempSync(path.join(os.tmpdir(), "adjoint-bench-"));
  const tool = new GradbenchTool();
  try {
    const send = async (message) => {
      const response = await tool.handleMessage(JSON.stringify({ id: 0, ...message }));
      if (response.success === false) fail(`the GradBench tool failed on ${JSON.stringify(message).slice(0, 120)}: ${response.error}`);
      return response;
    };

    // The generated modules once more, for their text (the tool keeps its own to itself). This
    // also loads the compiler and TypeScript's libraries, keeping that start-up out of the
    // compile times of the tool's `define` below.
    const sources = [...EVALS, ...NESTED].map((e) => path.join(evalsDir, adapters[e.name].source));
    const compiled = await compile(sources);
    const errors = compiled.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0) fail(`adjoint reported errors:\n${errors.map((d) => formatDiagnostic(d)).join("\n")}`);

    const evals = [];
    for (const [index, evalInfo] of EVALS.entries()) {
      if (only && !only.includes(evalInfo.name)) continue;
      const generated = compiled.files.find((f) => path.resolve(f.source) === path.resolve(sources[index]));
      if (!generated) fail(`no generated module for ${evalInfo.name}`);
      const dir = path.join(tmp, evalInfo.name);
      mkdirSync(dir);
      evals.push({
        ...evalInfo,
        ...(await measureEval(send, adapters[evalInfo.name], evalInfo, sources[index], generated, dir)),
        sourceLines: lineCount(readFileSync(sources[index], "utf8")),
        generatedLines: lineCount(generated.text),
      });
    }
    const nested = [];
    for (const [index, evalInfo] of NESTED.entries()) {
      if (only && !only.includes(evalInfo.name)) continue;
      const source = sources[EVALS.length + index];
      const generated = compiled.files.find((f) => path.resolve(f.source) === path.resolve(source));
      if (!generated) fail(`no generated module for ${evalInfo.name}`);
      const dir = path.join(tmp, evalInfo.name);
      mkdirSync(dir);
      nested.push({
        ...evalInfo,
        ...(await measureNested(send, adapters[evalInfo.name], evalInfo, dir)),
        sourceLines: lineCount(readFileSync(source, "utf8")),
        generatedLines: lineCount(generated.text),
      });
    }
    const styles = only ? [] : await measureStylePairs(compile, formatDiagnostic, tmp);
    const kernels = only ? [] : await measureKernelRows(compile, formatDiagnostic, tmp);
    const synthetic = only ? [] : measureSyntheticCompiles(tmp);
    const cli = only ? undefined : measureCli(tmp);

    const results = {
      evals,
      nested,
      styles,
      kernels,
      synthetic,
      cli,
      machine: machineInfo(),
      revision: compilerRevision(),
      date: new Date().toISOString().slice(0, 10),
      quick,
      protocol: { WARMUP, ROUNDS, ROUND_SECONDS, COMPILE_TIME_LIMIT_SECONDS, CLI_RUNS },
      agreements: { STRICT, GRADBENCH, FORWARD_TOLERANCE },
      benchSeconds: (performance.now() - started) / 1000,
    };
    console.log(`\n${plainTables(results)}`);
    if (write) {
      writeFileSync(path.join(rootDir, "BENCHMARKS.md"), markdown(results));
      writeFileSync(path.join(benchDir, "ratios.svg"), chartSvg(results));
      console.log("\nwrote BENCHMARKS.md and bench/ratios.svg");
    }
  } finally {
    tool.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * One eval: its compile time (the tool's `define`), and for each function pair of its sample, at
 * the sample input and at the larger one, the storage and the timings, and those of the JVP and
 * the HVP the eval names.
 */
async function measureEval(send, adapter, evalInfo, source, generated, dir) {
  const defined = await send({ kind: "define", module: evalInfo.name });
  const alternatives = await loadAlternatives(evalInfo.name, dir);
  const storage = await storageCounter(dir, generated);
  // the modules once more, for the JVP and HVP rows, which the tool's adapters do not call
  const modules = evalInfo.jvp || evalInfo.hvp || evalInfo.jacobian ? {
    primal: await load(dir, "primal.mjs", readFileSync(source, "utf8")),
    generated: await load(dir, "generated.mjs", generated.text),
  } : undefined;
  const infoOf = (name) => generated.functions.find((f) => f.name === name) ?? fail(`${evalInfo.name}: no generated functions for ${name}`);
  const rows = [];
  const jvpRows = [];
  const hvpRows = [];
  const jacobianRows = [];
  for (const pair of samplePairs(evalInfo.name)) {
    for (const [sizeLabel, input] of [
      ["default", pair.input],
      ["larger", largerInputs[evalInfo.name](pair.input)],
    ]) {
      const row = {
        pair,
        variant: evalInfo.variant?.(input),
        sizeLabel,
        size: evalInfo.size(input),
        storage: storage.measure(adapter.functions[pair.gradient], input),
        ...(await measureRow(send, adapter, evalInfo.name, pair, input, alternatives)),
      };
      console.log(progressLine(evalInfo.name, row));
      rows.push(row);
      const forward = { adapter, adapterName: pair.primal, input, ...modules };
      if (evalInfo.jvp) {
        const info = infoOf(evalInfo.jvp.function);
        if (!info.jvpName) fail(`${evalInfo.name}: ${info.name} has no generated JVP`);
        const jvp = await measureForward(`${evalInfo.name} ${info.jvpName} (${row.size})`, jvpContenders({ ...forward, info, seed: 11 }), "jvp");
        jvpRows.push({ function: info.jvpName, sizeLabel, size: row.size, ...jvp });
        console.log(`${evalInfo.name} ${info.jvpName} (${row.size}): ${forwardProgress(jvp, "JVP")}`);
      }
      if (evalInfo.hvp) {
        const info = infoOf(evalInfo.hvp.function);
        if (!info.hvpName) fail(`${evalInfo.name}: ${info.name} has no generated HVP`);
        const hand = alternatives.find((a) => a.label === "hand-written")?.module;
        const hvp = await measureForward(`${evalInfo.name} ${info.hvpName} (${row.size})`, hvpContenders({ ...forward, info, seed: 13, hand }), "hvp");
        hvpRows.push({ function: info.hvpName, sizeLabel, size: row.size, ...hvp });
        console.log(`${evalInfo.name} ${info.hvpName} (${row.size}): ${forwardProgress(hvp, "HVP")}`);
      }
      if (evalInfo.jacobian) {
        const info = infoOf(evalInfo.jacobian.function(row.variant));
        const objective = evalInfo.jacobian.objective(row.variant);
        for (const mode of ["forward", "sparse", "reverse"]) {
          const contenders = jacobianContenders({ ...forward, adapterName: pair.primal, info, objective, mode });
          const what = `${evalInfo.name} ${contenders.function} (${row.size})`;
          const jacobian = await measureForward(what, contenders, "jacobian");
          jacobianRows.push({ function: contenders.function, sizeLabel, size: row.size, ...jacobian });
          console.log(`${what}: ${forwardProgress(jacobian, "Jacobian")}`);
        }
      }
    }
  }
  return {
    rows,
    jvpRows,
    hvpRows,
    jacobianRows,
    skipped: alternatives.filter((a) => a.skipped),
    compileMilliseconds: defined.timings.find((t) => t.name === "compile").nanoseconds / 1e6,
  };
}

/**
 * The sample's functions in pairs, as gradbench/samples/<eval>.json lists them: a primal, then
 * its gradient or Jacobian, on the same input (ht has two pairs, simple and complicated).
 */
function samplePairs(name) {
  const samples = JSON.parse(readFileSync(path.join(samplesDir, `${name}.json`), "utf8"));
  const pairs = [];
  for (let i = 0; i + 1 < samples.length; i += 2) {
    pairs.push({ primal: samples[i].function, gradient: samples[i + 1].function, input: samples[i].input });
  }
  return pairs;
}

/** The eval's other implementations: loaded modules, or skipped ones with the reason. */
async function loadAlternatives(name, dir) {
  const loaded = [];
  for (const alternative of ALTERNATIVES) {
    const file = path.join(workloadsDir, `${name}${alternative.suffix}`);
    if (!existsSync(file)) continue;
    if (alternative.requires && !isInstalled(alternative.requires)) {
      loaded.push({ ...alternative, skipped: `${alternative.requires} is not installed` });
      continue;
    }
    // TypeScript is transpiled into the temporary directory; JavaScript is imported where it is,
    // so that it finds its packages.
    const module = file.endsWith(".ts")
      ? await load(dir, path.basename(file).replace(/\.ts$/, ".mjs"), readFileSync(file, "utf8"))
      : await import(pathToFileURL(file).href);
    loaded.push({ ...alternative, module });
  }
  return loaded;
}

function isInstalled(packageName) {
  try {
    createRequire(import.meta.url).resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/** Transpiles TypeScript to an ES2022 module in `dir` and imports it. */
async function load(dir, fileName, source) {
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: fileName.replace(/\.mjs$/, ".ts"),
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  });
  if (diagnostics && diagnostics.length > 0) {
    fail(`could not transpile ${fileName}:\n${diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n")}`);
  }
  const file = path.join(dir, fileName);
  writeFileSync(file, outputText);
  return import(pathToFileURL(file).href);
}

/**
 * Times one pair at one input (see the protocol above) and checks each other implementation
 * against the generated gradient. The primal and the gradient are evaluated by the tool; the
 * others by `timeRuns`, the tool's timing loop, on the adapter the tool would use.
 */
async function measureRow(send, adapter, module, pair, input, alternatives) {
  const contenders = [evaluated(send, module, pair.primal, input), evaluated(send, module, pair.gradient, input)];
  const present = alternatives.filter((a) => !a.skipped);
  for (const alternative of present) {
    contenders.push(timed(adapter.functions[pair.gradient](input, { primal: {}, generated: alternative.module })));
  }

  const [primalWarm, gradientWarm] = await warmUp(contenders);
  const agreement = present.map((alternative) =>
    checkAgreement(`${module} ${pair.gradient}`, alternative, adapter.functions[pair.gradient], input, primalWarm.output, gradientWarm.output),
  );

  const { runs, medians } = await timeRounds(contenders);
  const [primal, gradient, ...others] = medians;
  return {
    runs,
    primal,
    gradient,
    alternatives: present.map((alternative, i) => ({ label: alternative.label, gradient: others[i], agreement: agreement[i] })),
  };
}

/**
 * A contender (of the timing protocol: `(runs, seconds) => { times, output? }`) that has the tool
 * evaluate a function of a module on the input, as GradBench does.
 */
function evaluated(send, module, name, input) {
  return async (runs, seconds) => {
    const response = await send({ kind: "evaluate", module, function: name, input: { ...input, min_runs: runs, min_seconds: seconds } });
    return { output: response.output, times: response.timings.map((t) => t.nanoseconds / 1e6) };
  };
}

/** A contender that runs a prepared function in this process, with the tool's timing loop. */
function timed(prepared) {
  return async (runs, seconds) => ({ times: timeRuns(prepared, runs, seconds) });
}

/** Runs each contender for the warm-up; their results, outputs included. */
async function warmUp(contenders) {
  const warm = [];
  for (const run of contenders) warm.push(await run(WARMUP.runs, WARMUP.seconds));
  return warm;
}

/**
 * Times the contenders in rounds, starting with a different one each round: the median of each
 * over all its timed runs, and the number of runs of the one with the fewest.
 */
async function timeRounds(contenders) {
  const times = contenders.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = (round + k) % contenders.length;
      // (concat: a fast function runs hundreds of thousands of times a round, too many to spread)
      times[c] = times[c].concat((await contenders[c](1, ROUND_SECONDS)).times);
    }
  }
  return { runs: Math.min(...times.map((t) => t.length)), medians: times.map(median) };
}

/**
 * Times a JVP or an HVP (`key` of `contenders`, see bench/forward.mjs) against its primal, both
 * run in this process as the adapter calls the primal, after checking it.
 */
async function measureForward(what, contenders, key) {
  const runs = [timed({ run: contenders.primal }), timed({ run: contenders[key] })];
  await warmUp(runs);
  const difference = contenders.check();
  if (!(difference <= FORWARD_TOLERANCE)) {
    fail(`${what}: the check failed, relative difference ${difference} (tolerance ${FORWARD_TOLERANCE})`);
  }
  const { runs: count, medians } = await timeRounds(runs);
  return { calls: contenders.calls, runs: count, primal: medians[0], derivative: medians[1], difference };
}

function forwardProgress(row, label) {
  return `primal ${row.primal.toFixed(3)} ms, ${label} ${row.derivative.toFixed(3)} ms (${(row.derivative / row.primal).toFixed(2)}x)`;
}

/**
 * An eval of nested derivatives: its compile time, and for each function of its sample the
 * generated module's time (run by the tool) and the hand-written one's (standing in for it in
 * the adapter), after checking that they agree.
 */
async function measureNested(send, adapter, evalInfo, dir) {
  const defined = await send({ kind: "define", module: evalInfo.name });
  const [hand] = await loadAlternatives(evalInfo.name, dir);
  if (hand?.label !== "hand-written") fail(`${evalInfo.name}: no bench/workloads/${evalInfo.name}.hand.ts`);
  const samples = JSON.parse(readFileSync(path.join(samplesDir, `${evalInfo.name}.json`), "utf8"));
  const rows = [];
  for (const { function: name, input } of samples) {
    const prepared = adapter.functions[name](input, { primal: {}, generated: hand.module });
    const contenders = [evaluated(send, evalInfo.name, name, input), timed(prepared)];
    const [generatedWarm] = await warmUp(contenders);
    const worst = { difference: 0, where: "" };
    compareValues(prepared.output(prepared.run()), generatedWarm.output, STRICT.scale, name, worst);
    if (!(worst.difference <= STRICT.tolerance)) {
      fail(`${evalInfo.name} ${name}: the hand-written and generated results disagree: ${worst.difference} at ${worst.where}`);
    }
    const { runs, medians } = await timeRounds(contenders);
    const row = { function: name, size: evalInfo.size(input), runs, generated: medians[0], hand: medians[1], agreement: worst.difference };
    console.log(`${evalInfo.name} ${name} (${row.size}): generated ${row.generated.toFixed(3)} ms, hand-written ${row.hand.toFixed(3)} ms (${(row.generated / row.hand).toFixed(2)}x)`);
    rows.push(row);
  }
  return { rows, compileMilliseconds: defined.timings.find((t) => t.name === "compile").nanoseconds / 1e6 };
}

/** The pairs of bench/styles.mjs: each workload compiled, loaded and timed. */
async function measureStylePairs(compile, formatDiagnostic, tmp) {
  const sources = styleSources(workloadsDir);
  const compiled = await compile(sources.map((s) => s.source));
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) fail(`adjoint reported errors:\n${errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  const dir = path.join(tmp, "styles");
  mkdirSync(dir);
  const pairs = [];
  for (const { name, source } of sources) {
    const generated = compiled.files.find((f) => path.resolve(f.source) === path.resolve(source));
    if (!generated) fail(`no generated module for bench/workloads/styles/${name}.ts`);
    pairs.push({
      name,
      module: await load(dir, `${name}.grad.mjs`, generated.text),
      source: await load(dir, `${name}.mjs`, readFileSync(source, "utf8")),
    });
  }
  const { gradcheck } = await import(pathToFileURL(path.join(rootDir, "dist", "gradcheck.js")).href);
  return measureStyles(pairs, {
    gradcheck,
    timeRuns,
    median,
    warmup: WARMUP,
    rounds: ROUNDS,
    roundSeconds: ROUND_SECONDS,
    tolerance: STRICT.tolerance,
    fail,
  });
}

/** The kernels of bench/kernels.mjs: each compiled, loaded beside its hand-written adjoint, and
 * timed. */
async function measureKernelRows(compile, formatDiagnostic, tmp) {
  const sources = kernelSources(workloadsDir);
  const compiled = await compile(sources.map((s) => s.source));
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) fail(`adjoint reported errors:\n${errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  const dir = path.join(tmp, "kernels");
  mkdirSync(dir);
  const kernels = [];
  for (const { name, source, hand } of sources) {
    const generated = compiled.files.find((f) => path.resolve(f.source) === path.resolve(source));
    if (!generated) fail(`no generated module for bench/workloads/kernels/${name}.ts`);
    if (!existsSync(hand)) fail(`bench/workloads/kernels/${name}.ts has no ${name}.hand.ts`);
    kernels.push({
      name,
      module: await load(dir, `${name}.grad.mjs`, generated.text),
      source: await load(dir, `${name}.mjs`, readFileSync(source, "utf8")),
      hand: await load(dir, `${name}.hand.mjs`, readFileSync(hand, "utf8")),
    });
  }
  const { gradcheck } = await import(pathToFileURL(path.join(rootDir, "dist", "gradcheck.js")).href);
  const rows = measureKernels(kernels, {
    gradcheck,
    timeRuns,
    median,
    warmup: WARMUP,
    rounds: ROUNDS,
    roundSeconds: ROUND_SECONDS,
    tolerance: STRICT.tolerance,
    fail,
  });
  for (const k of rows)
    console.log(`kernel ${k.name}: primal ${k.primal.toFixed(3)} ms, gradient ${k.generated.toFixed(3)} ms (${(k.generated / k.primal).toFixed(2)}x), hand-written ${k.hand.toFixed(3)} ms (${(k.generated / k.hand).toFixed(2)}x of it)`);
  return rows;
}

/** The tool's timing loop (GradbenchTool.evaluate), for the implementations the tool cannot load. */
function timeRuns(prepared, minRuns, minSeconds) {
  const times = [];
  let total = 0;
  while (times.length < minRuns || total < minSeconds * 1e9) {
    const start = process.hrtime.bigint();
    prepared.run();
    const elapsed = Number(process.hrtime.bigint() - start);
    times.push(elapsed / 1e6);
    total += elapsed;
  }
  return times;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs an other implementation once through the adapter and compares its output with the
 * generated gradient's (as the tool returned it), and its value with the primal's; fails beyond
 * the implementation's tolerance.
 */
function checkAgreement(what, alternative, adapterFunction, input, primalOutput, gradientOutput) {
  let value;
  const recording = Object.fromEntries(
    Object.entries(alternative.module).map(([name, f]) => [
      name,
      (...fnArgs) => {
        const result = f(...fnArgs);
        value = result.value;
        return result;
      },
    ]),
  );
  const prepared = adapterFunction(input, { primal: {}, generated: recording });
  const output = prepared.output(prepared.run());
  const { scale, tolerance } = alternative.agreement;
  const worst = { difference: 0, where: "" };
  compareValues(output, gradientOutput, scale, "gradient", worst);
  compareValues(value, primalOutput, scale, "value", worst);
  if (!(worst.difference <= tolerance)) {
    fail(
      `${what}: the ${alternative.label} and generated gradients disagree: ${worst.difference} at ${worst.where} ` +
        `(tolerance ${tolerance})`,
    );
  }
  return worst.difference;
}

/** Walks two outputs of the same shape, keeping the largest scaled difference in `worst`. */
function compareValues(a, b, scale, where, worst) {
  if (typeof b === "number") {
    if (typeof a !== "number") fail(`${where}: expected a number, got ${typeof a}`);
    const difference = a === b ? 0 : Math.abs(a - b) / scale(a, b);
    if (!(difference <= worst.difference)) Object.assign(worst, { difference, where });
  } else if (Array.isArray(b) || ArrayBuffer.isView(b)) {
    if (a?.length !== b.length) fail(`${where}: length ${a?.length}, generated ${b.length}`);
    for (let i = 0; i < b.length; i++) compareValues(a[i], b[i], scale, `${where}[${i}]`, worst);
  } else {
    for (const key of Object.keys(b)) compareValues(a?.[key], b[key], scale, `${where}.${key}`, worst);
  }
}

/**
 * The bytes the generated code stores for its reverse sweep. The generated module is loaded once
 * more with each stack allocation (or reuse of the last call's stack) wrapped so that its size
 * is counted (typed arrays by their byte
 * length, growable `number[]` and `boolean[]` stacks at 8 bytes a push, what V8 takes for an
 * element of either); `measure` runs the gradient function of
 * a pair once through its adapter and reports the bytes per call of the generated function that
 * stores the most (a Jacobian calls a VJP once per row), against the size of that call's primal
 * arguments.
 */
async function storageCounter(dir, generated) {
  // typed stacks (`let` when they grow: the grower's new arrays are counted too; a stack kept
  // from the last call counts its whole length in every call that uses it), and plain arrays of
  // arrays, counted 8 bytes a push
  const typed = String.raw`new (?:Float64Array|Uint8Array)\(.*\)`;
  const allocation = String.raw`${typed}|reused(?:Float64|Uint8)Array\(.*\)|\w+\?\.\w+ \?\? ${typed}`;
  const stacks = new RegExp(String.raw`^(\s*(?:const|let) \w*Stack\d*(?::\s\w+)? = )(${allocation});$`, "gm");
  const grown = /^(\s*const bigger = )(new (?:Float64Array|Uint8Array)\(2 \* stack\.length\));$/gm;
  const plain = /^(\s*const \w*Stack\d*): [\w[\]]+\[\] = \[\];$/gm;
  const declared = generated.text.match(/^\s*(?:const|let) \w*Stack\d*\b/gm)?.length ?? 0;
  const recognized = (generated.text.match(stacks)?.length ?? 0) + (generated.text.match(plain)?.length ?? 0);
  if (recognized !== declared) {
    fail(`${generated.source}: ${declared} stacks declared but ${recognized} recognized: update storageCounter's patterns`);
  }
  const counted = generated.text
    .replace(stacks, "$1globalThis.__countStorage($2);")
    .replace(grown, "$1globalThis.__countStorage($2);")
    .replace(plain, "$1 = globalThis.__countPushes([]);");
  const module = await load(dir, "storage.grad.mjs", counted);

  let bytes = 0;
  let perFunction;
  // every generated function an adapter may call (a gradient, a JVP, a Jacobian), counted; the
  // compiler names each (`gradientName`, `jvpName`, ...) with its source function's parameters
  const paramCount = new Map(
    generated.functions.flatMap((info) =>
      Object.entries(info)
        .filter(([key, name]) => key.endsWith("Name") && typeof name === "string")
        .map(([, name]) => [name, info.params.length]),
    ),
  );
  const instrumented = Object.fromEntries(
    [...paramCount].map(([name, count]) => [
      name,
      (...fnArgs) => {
        const before = bytes;
        const result = module[name](...fnArgs);
        const entry = perFunction.get(name) ?? { calls: 0, bytes: 0, inputBytes: byteSize(fnArgs.slice(0, count)) };
        entry.calls++;
        entry.bytes += bytes - before;
        perFunction.set(name, entry);
        return result;
      },
    ]),
  );
  return {
    measure(adapterFunction, input) {
      // the counters of this module (the hooks are global: set them for each measurement)
      globalThis.__countStorage = (array) => ((bytes += array.byteLength), array);
      globalThis.__countPushes = (array) => {
        array.push = (...values) => ((bytes += 8 * values.length), Array.prototype.push.apply(array, values));
        return array;
      };
      perFunction = new Map();
      adapterFunction(input, { primal: {}, generated: instrumented }).run();
      const [name, largest] = [...perFunction].sort((a, b) => b[1].bytes - a[1].bytes)[0];
      return { function: name, calls: largest.calls, bytesPerCall: largest.bytes / largest.calls, inputBytes: largest.inputBytes };
    },
  };
}

/** Bytes of numeric data in a value: 8 per number, typed arrays by their byte length. */
function byteSize(value) {
  if (typeof value === "number") return 8;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum, v) => sum + byteSize(v), 0);
  return 0;
}

function progressLine(name, row) {
  const others = row.alternatives.map((a) => `, ${a.label} ${a.gradient.toFixed(3)} ms`).join("");
  return (
    `${[name, row.variant, row.pair.gradient].filter(Boolean).join(" ")} (${row.size}): primal ${row.primal.toFixed(3)} ms, ` +
    `${row.pair.gradient} ${row.gradient.toFixed(3)} ms (${(row.gradient / row.primal).toFixed(2)}x)${others}`
  );
}

function lineCount(text) {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/**
 * Compile time of synthetic functions, straight-line and loop-heavy, of each size: each compiled
 * in its own process after a warm-up compilation, stopped after COMPILE_TIME_LIMIT_SECONDS.
 */
function measureSyntheticCompiles(tmp) {
  const dir = path.join(tmp, "synthetic");
  mkdirSync(dir);
  const warmUp = path.join(dir, "warm-up.ts");
  writeFileSync(warmUp, straightLineSource(10));
  const results = [];
  for (const [shape, source] of [
    ["straight-line", straightLineSource],
    ["loops", loopSource],
  ]) {
    for (const statements of SYNTHETIC_SIZES) {
      const file = path.join(dir, `${shape}-${statements}.ts`);
      const text = source(statements);
      writeFileSync(file, text);
      const child = spawnSync(process.execPath, [path.join(benchDir, "compile-once.mjs"), warmUp, file], {
        encoding: "utf8",
        timeout: COMPILE_TIME_LIMIT_SECONDS * 1000,
      });
      const result = { shape, statements, sourceLines: lineCount(text) };
      if (child.error?.code === "ETIMEDOUT") {
        result.timedOut = true;
      } else if (child.status !== 0) {
        fail(`compiling the synthetic ${shape} function of ${statements} statements failed:\n${child.stderr}`);
      } else {
        Object.assign(result, JSON.parse(child.stdout));
      }
      console.log(
        `compile ${shape} ${count(statements)} statements: ` +
          (result.timedOut ? `stopped after ${COMPILE_TIME_LIMIT_SECONDS} s` : `${result.milliseconds.toFixed(0)} ms`),
      );
      results.push(result);
    }
  }
  return results;
}

/**
 * Wall-clock time of `node bin/adjoint.js module.ts --check` on the 1,000-statement straight-line
 * module, its generated file written first so that the check passes: a cold start of the command
 * line (Node, the compiler, TypeScript's libraries) plus one compilation.
 */
function measureCli(tmp) {
  const dir = path.join(tmp, "cli");
  mkdirSync(dir);
  const file = path.join(dir, "module.ts");
  const text = straightLineSource(1_000);
  writeFileSync(file, text);
  const cli = path.join(rootDir, "bin", "adjoint.js");
  execFileSync(process.execPath, [cli, file], { stdio: "pipe" });
  const times = [];
  for (let i = 0; i < CLI_RUNS; i++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, [cli, file, "--check"], { encoding: "utf8" });
    times.push(performance.now() - start);
    if (child.status !== 0) fail(`adjoint --check exited with ${child.status}:\n${child.stderr}`);
  }
  const milliseconds = median(times);
  console.log(`adjoint --check on a ${count(lineCount(text))}-line module: ${milliseconds.toFixed(0)} ms`);
  return { lines: lineCount(text), runs: CLI_RUNS, milliseconds };
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus.length > 0 ? cpus[0].model.trim() : "unknown CPU",
    cores: cpus.length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** The commit the compiler was built from, and whether src/ had changes not yet committed. */
function compilerRevision() {
  try {
    const git = (...gitArgs) => execFileSync("git", gitArgs, { cwd: rootDir, encoding: "utf8" }).trim();
    const commit = git("rev-parse", "--short", "HEAD");
    return git("status", "--porcelain", "--", "src").length > 0 ? `${commit} with uncommitted changes in src/` : commit;
  } catch {
    return "unknown (not a git checkout)";
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof BenchError)) throw error;
  console.error(`bench: ${error.message}`);
  process.exitCode = 1;
}
