/**
 * Kernels as users write them, each against an adjoint written by hand: bench/workloads/kernels/
 * <name>.ts holds the differentiable function `<name>`, and <name>.hand.ts its hand-written
 * gradient `<name>Grad`, with the same parameters and result as the generated one. Before it is
 * timed, the generated gradient is checked against finite differences of the source, and the
 * hand-written one against the generated one.
 */
import { readdirSync } from "node:fs";
import path from "node:path";

/** Each kernel's arguments: seeded pseudo-random inputs where a call takes tens of µs or more. */
const INPUTS = {
  // 8 coefficients fitted to 2,000 samples in [-1, 1]
  polyfit: (random) => [
    Float64Array.from({ length: 8 }, () => random() - 0.5),
    Float64Array.from({ length: 2_000 }, () => 2 * random() - 1),
    Float64Array.from({ length: 2_000 }, () => random()),
  ],
};

/** A small linear congruential generator: the same inputs on every run. */
function seededRandom(seed) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The kernels of bench/workloads/kernels: their names, sources and hand-written adjoints. */
export function kernelSources(workloadsDir) {
  const dir = path.join(workloadsDir, "kernels");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".hand.ts"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -".ts".length);
      return { name, source: path.join(dir, f), hand: path.join(dir, `${name}.hand.ts`) };
    });
}

/**
 * Times each kernel's primal, generated gradient and hand-written gradient in alternating
 * rounds (`timeRuns` and `median` are the benchmark's), after the checks above (`tolerance`,
 * relative to the larger of two entries).
 */
export function measureKernels(kernels, { gradcheck, timeRuns, median, warmup, rounds, roundSeconds, tolerance, fail }) {
  return kernels.map(({ name, module, source, hand }) => {
    const input = INPUTS[name];
    if (!input) fail(`bench/kernels.mjs has no input for bench/workloads/kernels/${name}.ts`);
    const args = input(seededRandom(11));
    const [primal, generated, handWritten] = [source[name], module[`${name}Grad`], hand[`${name}Grad`]];
    if (!primal || !generated || !handWritten) fail(`${name}: the source, generated module or hand-written adjoint lacks its function`);
    const check = gradcheck(primal, generated, args);
    if (!check.ok) fail(`${name}Grad disagrees with finite differences: ${JSON.stringify(check.worst)}`);
    const difference = largestDifference(generated(...args), handWritten(...args));
    if (!(difference <= tolerance)) fail(`${name}: the hand-written and generated gradients disagree: ${difference}`);
    const contenders = [primal, generated, handWritten].map((f) => ({ run: () => f(...args) }));
    for (const c of contenders) timeRuns(c, warmup.runs, warmup.seconds);
    const times = contenders.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = (round + k) % contenders.length;
        times[c] = times[c].concat(timeRuns(contenders[c], 1, roundSeconds));
      }
    }
    return {
      name,
      primal: median(times[0]),
      generated: median(times[1]),
      hand: median(times[2]),
      runs: Math.min(...times.map((t) => t.length)),
      difference,
    };
  });
}

/** The largest difference between two results' values and gradients, each relative to the
 * larger of the two entries. */
function largestDifference(a, b) {
  const entries = (r) => [r.value, ...Object.values(r.grad).flatMap((g) => (typeof g === "number" ? [g] : [...g]))];
  const [x, y] = [entries(a), entries(b)];
  if (x.length !== y.length) return Infinity;
  return Math.max(...x.map((v, i) => (v === y[i] ? 0 : Math.abs(v - y[i]) / Math.max(Math.abs(v), Math.abs(y[i])))));
}
