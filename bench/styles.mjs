/**
 * The same function in two styles: written as library code is (classes, closures, callbacks,
 * array methods) and written with plain loops and locals (bench/workloads/styles/<name>.ts holds
 * both, `<name>Structured` and `<name>Plain`). The compiler resolves methods and function values
 * at compile time, so the two gradients should cost the same: this measures how far apart they
 * are. Before it is timed, each gradient is checked against finite differences of its source
 * (both come from the compiler under test), and the two against each other.
 */
import { readdirSync } from "node:fs";
import path from "node:path";

/** Each pair's arguments: a seeded pseudo-random input of a size where a call takes tens of µs. */
const INPUTS = {
  springs: (random) => [Float64Array.from({ length: 3 * 2_000 }, () => random()), 0.5, 3],
  variance: (random) => [Array.from({ length: 5_000 }, () => random()), Array.from({ length: 5_000 }, () => 0.5 + random())],
  integral: (random) => [Float64Array.from({ length: 8 }, () => random() - 0.5), 2_000],
};

/** A small linear congruential generator: the same inputs on every run. */
function seededRandom(seed) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export function styleSources(workloadsDir) {
  const dir = path.join(workloadsDir, "styles");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => ({ name: f.slice(0, -".ts".length), source: path.join(dir, f) }));
}

/**
 * Times each pair's two gradients in alternating rounds (`timeRuns` and `median` are the
 * benchmark's), after checking that they agree to `tolerance` (relative to the largest entry).
 */
export function measureStyles(pairs, { gradcheck, timeRuns, median, warmup, rounds, roundSeconds, tolerance, fail }) {
  return pairs.map(({ name, module, source }) => {
    const args = INPUTS[name](seededRandom(7));
    const structured = module[`${name}StructuredGrad`];
    const plain = module[`${name}PlainGrad`];
    if (!structured || !plain) fail(`bench/workloads/styles/${name}.ts must define ${name}Structured and ${name}Plain`);
    for (const style of ["Structured", "Plain"]) {
      const check = gradcheck(source[`${name}${style}`], module[`${name}${style}Grad`], args);
      if (!check.ok) fail(`${name}${style}Grad disagrees with finite differences: ${JSON.stringify(check.worst)}`);
    }
    const a = structured(...args);
    const b = plain(...args);
    const difference = largestDifference(a, b);
    if (!(difference <= tolerance)) fail(`the two styles of ${name} disagree: relative difference ${difference}`);
    const contenders = [{ run: () => structured(...args) }, { run: () => plain(...args) }];
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
      structured: median(times[0]),
      plain: median(times[1]),
      runs: Math.min(...times.map((t) => t.length)),
      difference,
    };
  });
}

/** The largest difference between two results' values and gradients, relative to their scale. */
function largestDifference(a, b) {
  const entries = (r) => [r.value, ...Object.values(r.grad).flatMap((g) => (typeof g === "number" ? [g] : [...g]))];
  const [x, y] = [entries(a), entries(b)];
  if (x.length !== y.length) return Infinity;
  const scale = Math.max(1, ...x.map(Math.abs));
  return Math.max(...x.map((v, i) => Math.abs(v - y[i]) / scale));
}
