/**
 * Inputs of the benchmark: the larger GradBench inputs, generated from the sample input of each
 * eval with the same shape and random values from a fixed seed, and the synthetic sources whose
 * compile time is measured.
 */

/** Deterministic random numbers: a xorshift generator, uniform in [lo, hi). */
export function random(seed) {
  let s = seed >>> 0 || 1;
  return (lo = 0, hi = 1) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (hi - lo) * (s / 4294967296);
  };
}

/** A plain array (the JSON form the GradBench adapters read) of `length` values from `next`. */
function array(length, next) {
  return Array.from({ length }, next);
}

function matrix(rows, columns, next) {
  return array(rows, () => array(columns, next));
}

/**
 * For each eval, a larger input of the sample's shape, made from the sample input. The sizes
 * follow GradBench's own (ADBench's data sets for gmm, lstm and ba), large enough for the
 * stacks of the reverse sweep to matter and small enough to time in seconds.
 */
export const largerInputs = {
  llsq: () => {
    const next = random(1);
    return { x: array(128, () => next()), n: 4096 };
  },
  lse: () => {
    const next = random(2);
    return { x: array(100_000, () => next()) };
  },
  det: () => {
    const next = random(3);
    return { A: array(49, () => next()), ell: 7 };
  },
  ode: () => {
    const next = random(4);
    return { x: array(10_000, () => next()), s: 10 };
  },
  // ADBench's gmm_d10_K25 with 1,000 points: d = 10 makes the lower triangle of each precision
  // matrix (45 entries) the inner loop, where d = 2 has a single entry.
  gmm: () => {
    const next = random(5);
    const [d, k, n] = [10, 25, 1000];
    return {
      d,
      k,
      n,
      x: matrix(n, d, () => next(-3, 3)),
      m: 0,
      gamma: 1,
      alpha: array(k, () => next(-1, 1)),
      mu: matrix(k, d, () => next()),
      q: matrix(k, d, () => next(-1, 0.5)),
      l: matrix(k, (d * (d - 1)) / 2, () => next(-1, 1)),
    };
  },
  // ADBench's lstm_l4_c4096: 4 layers, 4,096 characters of b = 14 values (0 or 1).
  lstm: () => {
    const next = random(6);
    const [l, b, c] = [4, 14, 4096];
    return {
      main_params: matrix(2 * l, 4 * b, () => next()),
      extra_params: matrix(3, b, () => next()),
      state: matrix(2 * l, b, () => next()),
      sequence: matrix(c, b, () => (next() < 0.5 ? 0 : 1)),
    };
  },
  // ADBench's ba3 (161 cameras, 48,126 points, 182,072 observations); GradBench's input repeats
  // one camera, point and feature, so only the counts change.
  ba: (sample) => ({ ...sample, n: 161, m: 48_126, p: 182_072 }),
  // The same hand model with twice as many measured points (each one a residual row of the
  // Jacobian): vertices, or triangles with barycentric coordinates for the complicated variant.
  ht: (sample) => {
    const next = random(8);
    const points = 2 * sample.data.correspondences.length;
    const complicated = sample.us.length > 0;
    const targets = complicated ? sample.data.model.triangles.length : sample.data.model.base_positions.length;
    return {
      ...sample,
      data: {
        ...sample.data,
        correspondences: array(points, () => Math.floor(next(0, targets))),
        points: matrix(points, 3, () => next(-0.3, 1)),
      },
      us: complicated ? matrix(points, 2, () => next(0, 0.5)) : [],
    };
  },
  // Ten times the sample's points and five times its centroids, in the same 8 dimensions: the
  // cost and its derivatives compare every point with every centroid.
  kmeans: (sample) => {
    const next = random(9);
    const [n, k, d] = [10 * sample.points.length, 5 * sample.centroids.length, sample.points[0].length];
    return { points: matrix(n, d, () => next()), centroids: matrix(k, d, () => next()) };
  },
};

/**
 * A differentiable function of `statements` statements without loops or branches: each one a
 * new constant computed from the one before and one of the ten before that, with the operations
 * and functions of numeric code.
 */
export function straightLineSource(statements) {
  const forms = [
    (a, b, i) => `${a} * ${b} + x[${i % 8}]`,
    (a, b) => `Math.sin(${a}) - ${b}`,
    (a, b) => `${a} / (1 + ${b} * ${b})`,
    (a, b) => `Math.exp(-${a} * ${a}) + 0.5 * ${b}`,
  ];
  const lines = ["  const t0 = x[0];"];
  for (let i = 1; i < statements - 1; i++) {
    const b = Math.max(0, i - 1 - ((i * 7) % 10));
    lines.push(`  const t${i} = ${forms[i % forms.length](`t${i - 1}`, `t${b}`, i)};`);
  }
  lines.push(`  return t${statements - 2};`);
  return differentiable(lines);
}

/**
 * A differentiable function of about `statements` statements, nearly all in loops: eight running
 * values updated in a sequence of loops over x, each loop nine statements (the `for`, six updates
 * and two updates under an `if`), so that the reverse sweep stores values and branch outcomes.
 */
export function loopSource(statements) {
  const count = 8;
  const lines = Array.from({ length: count }, (_, k) => `  let s${k} = x[${k}];`);
  // the declarations, the loops so far and the return
  let written = count + 1;
  for (let loop = 0; written + count + 1 <= statements; loop++, written += count + 1) {
    lines.push("  for (let i = 0; i < x.length; i++) {");
    for (let k = 0; k < count; k++) {
      const u = `s${(k + loop) % count}`;
      const v = `s${(k + loop + 3) % count}`;
      lines.push(
        k % 4 === 3
          ? `    if (${v} > 0) ${u} = ${u} - 0.1 * ${v} * x[i];`
          : `    ${u} = 0.9 * ${u} + Math.sin(${v} * x[i]);`,
      );
    }
    lines.push("  }");
  }
  lines.push(`  return ${Array.from({ length: count }, (_, k) => `s${k}`).join(" + ")};`);
  return differentiable(lines);
}

function differentiable(body) {
  return ["/** @differentiable */", "export function f(x: Float64Array): number {", ...body, "}", ""].join("\n");
}
