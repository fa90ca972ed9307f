/**
 * The benchmark's report: the tables of bench/run.mjs's results, as Markdown (BENCHMARKS.md) and
 * as plain text (the console), and the chart bench/ratios.svg, written by hand (no dependency).
 */

/** An integer with thousands separators. */
export const count = (n) => n.toLocaleString("en-US");

/** a / b with as many decimals as matter at its size. */
function ratio(a, b) {
  const r = a / b;
  return `${r >= 100 ? count(Math.round(r)) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

function ms(t) {
  if (t >= 100) return t.toFixed(0);
  if (t >= 1) return t.toFixed(2);
  return t.toFixed(4);
}

function bytes(b) {
  if (b < 1e3) return `${Math.round(b)} B`;
  if (b < 1e6) return `${(b / 1e3).toFixed(1)} kB`;
  return `${(b / 1e6).toFixed(1)} MB`;
}

function seconds(s) {
  return s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`;
}

/** The function a row measures, with the eval's variant (ht: simple or complicated). */
function functionName(row) {
  return row.variant ? `${row.pair.gradient} (${row.variant})` : row.pair.gradient;
}

/** The labels of the other implementations, present or skipped, in the order first met. */
function alternativeLabels(results) {
  const labels = new Set();
  for (const e of results.evals) {
    for (const row of e.rows) for (const a of row.alternatives) labels.add(a.label);
    for (const s of e.skipped) labels.add(s.label);
  }
  return [...labels];
}

/** Every table of the report: { title, header, numeric: columns aligned right, rows }. */
function tables(results) {
  const evalTable = {
    title: "GradBench evals",
    header: ["eval", "function", "input", "primal (ms)", "gradient (ms)", "gradient / primal", "target", "runs", "stored for the reverse sweep"],
    numeric: [3, 4, 5, 6, 7],
    rows: results.evals.flatMap((e) =>
      e.rows.map((row) => {
        const s = row.storage;
        const perCall = s.calls > 1 ? ` per ${s.function} call (${count(s.calls)} calls)` : "";
        return [
          e.name,
          functionName(row),
          `${row.size} (${row.sizeLabel === "default" ? "sample" : "larger"})`,
          ms(row.primal),
          ms(row.gradient),
          ratio(row.gradient, row.primal),
          `${e.target.toFixed(1)}x`,
          count(row.runs),
          `${bytes(s.bytesPerCall)}${perCall}, ${ratio(s.bytesPerCall, s.inputBytes)} its input`,
        ];
      }),
    ),
  };

  const forwardTable = (title, label, key) => ({
    title,
    header: ["eval", "function", "input", "primal (ms)", `${label} (ms)`, `${label} / primal`, "target", "runs"],
    numeric: [3, 4, 5, 6, 7],
    rows: results.evals.flatMap((e) =>
      e[`${key}Rows`].map((row) => [
        e.name,
        row.calls > 1 ? `${row.function} (${count(row.calls)} calls)` : row.function,
        `${row.size} (${row.sizeLabel === "default" ? "sample" : "larger"})`,
        ms(row.primal),
        ms(row.derivative),
        ratio(row.derivative, row.primal),
        e[key].target ? `${e[key].target.toFixed(1)}x` : "",
        count(row.runs),
      ]),
    ),
  });
  const jvpTable = forwardTable("Forward mode: JVP / primal", "JVP", "jvp");
  const hvpTable = forwardTable("Hessian-vector products: HVP / primal", "HVP", "hvp");
  const jacobianTable = forwardTable("Jacobians by each mode: Jacobian / objective", "Jacobian", "jacobian");

  const nestedTable = {
    title: "Nested derivatives: generated / hand-written",
    header: ["eval", "function", "input", "generated (ms)", "hand-written (ms)", "generated / hand-written", "target", "runs"],
    numeric: [3, 4, 5, 6, 7],
    rows: results.nested.flatMap((e) =>
      e.rows.map((row) => [
        e.name,
        row.function,
        row.size,
        ms(row.generated),
        ms(row.hand),
        ratio(row.generated, row.hand),
        `${e.target.toFixed(1)}x`,
        count(row.runs),
      ]),
    ),
  };

  const labels = alternativeLabels(results);
  const compared = results.evals.filter((e) => e.rows.some((r) => r.alternatives.length > 0) || e.skipped.length > 0);
  const comparisonTable = {
    title: "Against other implementations",
    header: ["eval", "input", "generated (ms)", ...labels.flatMap((l) => [`${l} (ms)`, `generated / ${l}`])],
    numeric: [2, ...labels.flatMap((_, i) => [3 + 2 * i, 4 + 2 * i])],
    rows: compared.flatMap((e) =>
      e.rows.map((row) => [
        e.name,
        row.size,
        ms(row.gradient),
        ...labels.flatMap((label) => {
          const other = row.alternatives.find((a) => a.label === label);
          if (other) return [ms(other.gradient), ratio(row.gradient, other.gradient)];
          const skipped = e.skipped.find((s) => s.label === label);
          return skipped ? [`skipped: ${skipped.skipped}`, ""] : ["", ""];
        }),
      ]),
    ),
  };

  const stylesTable = {
    title: "One function in two styles",
    header: ["workload", "classes, closures, callbacks (ms)", "plain loops (ms)", "ratio", "runs"],
    numeric: [1, 2, 3, 4],
    rows: results.styles.map((p) => [
      `${p.name}.ts`,
      ms(p.structured),
      ms(p.plain),
      ratio(p.structured, p.plain),
      count(p.runs),
    ]),
  };

  const kernelsTable = {
    title: "Kernels against hand-written adjoints",
    header: ["kernel", "primal (ms)", "gradient (ms)", "hand-written (ms)", "gradient / primal", "hand-written / primal", "gradient / hand-written", "target", "runs"],
    numeric: [1, 2, 3, 4, 5, 6, 7, 8],
    rows: (results.kernels ?? []).map((k) => [
      `${k.name}.ts`,
      ms(k.primal),
      ms(k.generated),
      ms(k.hand),
      ratio(k.generated, k.primal),
      ratio(k.hand, k.primal),
      ratio(k.generated, k.hand),
      "1.2x",
      count(k.runs),
    ]),
  };

  const moduleTable = {
    title: "Compile time of the eval modules",
    header: ["module", "source lines", "generated lines", "compile (ms)"],
    numeric: [1, 2, 3],
    rows: [...results.evals, ...results.nested].map((e) => [
      `${e.name}.ts`,
      count(e.sourceLines),
      count(e.generatedLines),
      count(Math.round(e.compileMilliseconds)),
    ]),
  };

  const limit = results.protocol.COMPILE_TIME_LIMIT_SECONDS;
  const syntheticTable = {
    title: "Compile time of synthetic functions",
    header: ["function", "statements", "source lines", "generated lines", "compile (ms)", "per statement (ms)"],
    numeric: [1, 2, 3, 4, 5],
    rows: results.synthetic.map((s) => [
      s.shape,
      count(s.statements),
      count(s.sourceLines),
      s.timedOut ? "" : count(s.generatedLines),
      s.timedOut ? `stopped after ${limit} s` : count(Math.round(s.milliseconds)),
      s.timedOut ? `> ${((limit * 1000) / s.statements).toFixed(1)}` : (s.milliseconds / s.statements).toFixed(2),
    ]),
  };
  return { evalTable, jvpTable, hvpTable, jacobianTable, nestedTable, comparisonTable, stylesTable, kernelsTable, moduleTable, syntheticTable };
}

function markdownTable({ header, numeric, rows }) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  const align = header.map((_, c) => (numeric.includes(c) ? "---:" : "---"));
  return [line(header), line(align), ...rows.map(line)].join("\n");
}

function plainTable({ title, header, numeric, rows }) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) =>
    cells.map((cell, c) => (numeric.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd();
  return [title, "", line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The tables as plain text, for the console. */
export function plainTables(results) {
  const cli = results.cli;
  return [
    ...Object.values(tables(results)).map(plainTable),
    ...(cli ? [`adjoint --check on a ${count(cli.lines)}-line module: ${count(Math.round(cli.milliseconds))} ms (wall clock)`] : []),
    `${results.machine.cpu} (${results.machine.cores} logical cores), Node ${results.machine.node}; bench ran ${seconds(results.benchSeconds)}`,
  ].join("\n\n");
}

/** BENCHMARKS.md. */
export function markdown(results) {
  const t = tables(results);
  const { machine, protocol, cli } = results;
  const agreements = results.evals.flatMap((e) =>
    e.rows.flatMap((row) =>
      row.alternatives.map((a) => `- ${e.name} (${row.size}), ${a.label}: ${a.agreement.toExponential(2)}`),
    ),
  );
  const skipped = results.evals.flatMap((e) => e.skipped.map((s) => `${s.label} for ${e.name}`));
  const forwardChecks = results.evals.flatMap((e) =>
    [...e.jvpRows, ...e.hvpRows, ...e.jacobianRows].map((row) => `- ${e.name} ${row.function} (${row.size}): ${row.difference.toExponential(2)}`),
  );
  const nestedChecks = results.nested.flatMap((e) =>
    e.rows.map((row) => `- ${e.name} ${row.function}: ${row.agreement.toExponential(2)}`),
  );
  const { STRICT, GRADBENCH, FORWARD_TOLERANCE } = results.agreements;
  return `# Benchmarks

Written by \`npm run bench\` (\`bench/run.mjs\`); run it again to refresh this file and
\`bench/ratios.svg\`. \`node bench/run.mjs --quick\` gives rough numbers in about two minutes.

- Machine: ${machine.cpu}, ${machine.cores} logical cores
- Runtime: Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}
- Compiler: ${results.revision}
- Date: ${results.date}; the benchmark ran ${seconds(results.benchSeconds)}${
    results.quick ? "\n- **Quick run (--quick): few runs, rough numbers.**" : ""
  }

## GradBench evals

${markdownTable(t.evalTable)}

![gradient / primal ratio of each eval against its target](bench/ratios.svg)

Each eval is the module \`gradbench/evals/<eval>.ts\`, compiled, loaded and run by the GradBench
tool (\`src/gradbench/tool.ts\`) as GradBench runs it: one \`evaluate\` message per timed batch,
the input converted once per message, one timing per run. The *sample* input is the one in
\`gradbench/samples/<eval>.json\`; the *larger* one has the same shape, with random values from a
fixed seed (\`bench/inputs.mjs\`): ADBench's data sets for gmm (d = 10, k = 25), lstm (4 layers,
4,096 characters) and ba (ba3), more points for ht. *gradient* is the eval's gradient or
Jacobian (for kmeans, \`dir\`: the gradient divided elementwise by the Hessian's diagonal, which
\`costHessianDiagonal\` gives as one Hessian-vector product along ones, against \`cost\`): for
ba, one VJP per row of each observation's 2 x 15 block, and for ht, by vector forward mode, the
Jacobian of a function giving the same residuals as the objective from only what the points need
(the vertices they correspond to, or each point's triangle posed as one blend of its corners):
its \`fJacobianForward\`, theta's 26 columns in one fJvpBatch sweep, and for the complicated
variant two JVPs more, along every point's first barycentric coordinate at once and then its
second. *target* is the ratio aimed at.

*stored for the reverse sweep*: the bytes of the stacks the generated code fills in one call
(recorded values, branch outcomes, trip counts; not the gradient arrays, nor the primal's own
local arrays), whether allocated by the call or kept from the last one, against the size of that
call's arguments (8 bytes a number). A Jacobian by rows calls a VJP once per row (ba): the
figure is then per call. Forward mode stores nothing (ht).

## Forward mode

${t.jvpTable.title}:

${markdownTable(t.jvpTable)}

${t.hvpTable.title}:

${markdownTable(t.hvpTable)}

${t.jacobianTable.title}:

${markdownTable(t.jacobianTable)}

*JVP* is \`fJvp\` of the eval's differentiable function, called with the arguments the tool's
adapter gives that function in the eval's primal and one tangent per differentiated argument,
pseudo-random from a fixed seed and made once, outside the timed runs (\`bench/forward.mjs\`);
*primal* is the same function on the same arguments, and both are timed in this process with the
protocol below. For ba it is the reprojection error of every observation (one call each, a
camera's or a point's tangent shared by its observations), without the weight errors; ht's
objective is not differentiable itself (its Jacobian is that of another function, above), so it
has no row. *HVP* is kmeans' \`costHvp\` (\`@hessian diagonal\`), the
Hessian times a random direction. The targets are for the JVP of llsq, lse, ode and gmm.
*Jacobian* is ht's by each mode, \`fJacobianForward\` (vector forward mode, every column in one
sweep) and \`fJacobianReverse\` (a VJP per row), of the function the tool differentiates
(\`correspondingResiduals\`, or for the complicated variant \`triangleResidualsOfTheta\`,
theta's columns only), against the objective; its value is checked against the objective's and
each mode's Jacobian against the other's, relative to their largest magnitude.

Before timing, each JVP's value is checked against the primal's and its tangent against the
generated gradient's dot product with the tangents (for ode and ba, whose functions return
arrays, u·(Jv) against (uᵀJ)·v, the VJP with a random cotangent u); the HVP's value and gradient
against the primal's and the generated gradient's, and H·v against the hand-written Hessian
diagonal (\`bench/workloads/kmeans.hand.ts\`) times v; all to |a - b| / max(|a|, |b|) <=
${FORWARD_TOLERANCE.toExponential()}. Largest differences:

${forwardChecks.join("\n")}

## Nested derivatives

${markdownTable(t.nestedTable)}

saddle and particle (\`gradbench/evals/\`) take derivatives inside a differentiable function:
each of rr, ff, fr and rf is a gradient descent whose objective takes another derivative, its
name the modes of the outer and the inner one (r reverse, f forward). Their samples have no
primal to compare with, so each is timed against \`bench/workloads/<eval>.hand.ts\`, the same
algorithm in JavaScript with its derivatives written by hand (one function for the four modes):
the ratio is *generated / hand-written*, not a ratio to a primal. The hand-written version stands
in for the generated module in the tool's adapter, and their results are first checked to agree
to ${STRICT.description} <= ${STRICT.tolerance.toExponential()} (largest differences:
${nestedChecks.map((c) => c.slice(2)).join("; ")}). The inputs (a start point, a charge's
offset) have no size to grow, so only the sample's is measured.

## Against other implementations

${markdownTable(t.comparisonTable)}

The other implementations stand in for the generated module in the tool's adapter, so they get
the same arguments and the same timed call: \`bench/workloads/<eval>.hand.ts\`, written by hand
the way a careful person would (storing nothing across loop iterations; for kmeans, the gradient
and the Hessian's diagonal from each point's closest centroid), and
\`bench/workloads/<eval>.tfjs.mjs\`, TensorFlow.js, float32, measured when \`@tensorflow/tfjs\`
is installed: \`tf.valueAndGrad\` of the objective written as whole-tensor operations (llsq as
one matrix-vector product). For llsq, *TF.js, GradBench's loop* (\`llsq.tfjs-loop.mjs\`) is the
objective written the way GradBench's tensorflow-js tool writes it, one small tensor operation
per coefficient, which is how the 20x target was set.${skipped.length > 0 ? ` Skipped in this run: ${skipped.join(", ")} (the package is not installed).` : ""}
The target is a generated gradient within 1.2x of the hand-written one.

Before timing, each is checked against the generated gradient, element by element, value
included: hand-written ones with ${STRICT.description} <= ${STRICT.tolerance.toExponential()},
float32 ones with ${GRADBENCH.description} <= ${GRADBENCH.tolerance.toExponential()}. Largest
differences:

${agreements.join("\n")}

## One function in two styles

${markdownTable(t.stylesTable)}

Each workload \`bench/workloads/styles/<name>.ts\` holds one function written twice: as library
code is written (a \`Vec3\` class with methods and a summing helper taking a callback, for
springs; \`map\` and \`reduce\` with callbacks, for variance; a quadrature helper taking the
integrand and a model closure made by a factory, for integral) and with plain loops and locals.
The compiler inlines methods and function values where they are called, so both gradients should
cost the same: *ratio* is the gradient of the first over that of the second (target: within
1.1x). Each gradient is checked against finite differences of its source, and the two against each
other (value and gradient), before they are timed; the timing
protocol is the evals' (below).

## Kernels against hand-written adjoints

${markdownTable(t.kernelsTable)}

Each kernel \`bench/workloads/kernels/<name>.ts\` is a function written as users write it, and
\`<name>.hand.ts\` its gradient written by hand, as fast as its author could make it (for
polyfit, a fit of a polynomial whose powers are a running product \`power *= t\`: the hand-written
adjoint computes each power again in the primal's order instead of storing it). *gradient /
hand-written* is the generated gradient's time over the hand-written one's (target: within 1.2x).
The generated gradient is checked against finite differences of its source, and the hand-written
one against it (${STRICT.description} <= ${STRICT.tolerance.toExponential()}), before they are
timed; the timing protocol is the evals' (below).

## Compile time

${markdownTable(t.moduleTable)}

*compile* is the \`compile\` timing of the tool's \`define\` (one compilation, in a process that
has compiled before).

${markdownTable(t.syntheticTable)}

Synthetic functions (\`bench/inputs.mjs\`): *straight-line* is a chain of constants, each
computed from the one before and another of the ten before it with \`* + / Math.sin Math.exp\`;
*loops* updates eight running values in a sequence of loops over an array, nine statements a loop,
two of them under an \`if\`. Each is compiled in a new process after a warm-up compilation,
stopped after ${protocol.COMPILE_TIME_LIMIT_SECONDS} s.

Cold start of the command line: \`node bin/adjoint.js module.ts --check\` on the
${count(cli.lines)}-line straight-line module takes ${count(Math.round(cli.milliseconds))} ms (wall
clock, median of ${cli.runs}): starting Node, loading the compiler and TypeScript, type-checking
and compiling the module, and comparing with the generated file.

## Protocol

All run in one Node process, except the synthetic compilations and the command line. For each
eval, function pair and input: every contender (primal, generated gradient, other
implementations; or primal and JVP, primal and HVP, generated and hand-written) is warmed up (at least ${protocol.WARMUP.runs} runs and ${protocol.WARMUP.seconds} s),
then timed in ${protocol.ROUNDS} rounds; in each round each contender runs for ${protocol.ROUND_SECONDS} s
(at least once), starting with a different contender each round, so that noise reaches them
alike. Times are medians over all timed runs, in milliseconds per call; *runs* is the number of
timed runs of the contender with the fewest. On a shared machine compare ratios rather than
times between runs.
`;
}

/**
 * The chart: per eval and function pair, the gradient / primal ratio at the sample and the larger
 * input as bars on a log scale, GradBench's target as a red line, and where there is one, the
 * hand-written adjoint's ratio as a diamond.
 */
export function chartSvg(results) {
  const groups = results.evals.flatMap((e) => {
    const variants = [...new Set(e.rows.map((r) => r.variant))];
    return variants.map((variant) => ({
      label: variant ? `${e.name} ${variant}` : e.name,
      target: e.target,
      bars: e.rows
        .filter((r) => r.variant === variant)
        .map((r) => ({
          larger: r.sizeLabel !== "default",
          ratio: r.gradient / r.primal,
          hand: r.alternatives.find((a) => a.label === "hand-written"),
          primal: r.primal,
        })),
    }));
  });
  const values = groups.flatMap((g) => [g.target, ...g.bars.flatMap((b) => [b.ratio, ...(b.hand ? [b.hand.gradient / b.primal] : [])])]);
  const ticks = [];
  for (let decade = 1; decade <= 1e6; decade *= 10) ticks.push(decade, 2 * decade, 5 * decade);
  const max = ticks.find((t) => t >= Math.max(...values));

  // the plot spans [left, right]; the margins hold the labels of the groups and of the bars
  const [width, left, right, top, barHeight, gap, groupHeight] = [820, 120, 750, 64, 11, 2, 36];
  const height = top + groups.length * groupHeight + 36;
  const x = (r) => left + (Math.log10(Math.max(r, 1)) / Math.log10(max)) * (right - left);
  const colors = { sample: "#4e79a7", larger: "#a0cbe8", target: "#e15759", hand: "#222" };
  const text = (tx, ty, content, attributes = "") => `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}"${attributes}>${content}</text>`;
  const diamond = (cx, cy) =>
    `<path d="M${cx.toFixed(1)} ${(cy - 5).toFixed(1)} l5 5 l-5 5 l-5 -5 z" fill="white" stroke="${colors.hand}" stroke-width="1.5"/>`;

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    text(left, 20, "Gradient / primal time of adjoint's generated code, log scale", ` font-size="14" font-weight="bold"`),
    `<rect x="${left}" y="32" width="12" height="10" fill="${colors.sample}"/>`,
    text(left + 16, 41, "sample input"),
    `<rect x="${left + 110}" y="32" width="12" height="10" fill="${colors.larger}"/>`,
    text(left + 126, 41, "larger input"),
    `<rect x="${left + 220}" y="30" width="3" height="14" fill="${colors.target}"/>`,
    text(left + 228, 41, "target"),
    diamond(left + 290, 37),
    text(left + 300, 41, "hand-written JS (the generated code should be within 1.2x of it)"),
  ];
  for (const t of ticks.filter((t) => t <= max)) {
    const tx = x(t);
    parts.push(`<line x1="${tx.toFixed(1)}" y1="${top - 6}" x2="${tx.toFixed(1)}" y2="${height - 30}" stroke="#ddd"/>`);
    parts.push(text(tx, height - 16, `${count(t)}x`, ` text-anchor="middle" fill="#555"`));
  }
  groups.forEach((g, i) => {
    const y0 = top + i * groupHeight;
    const barY = (j) => y0 + j * (barHeight + gap);
    parts.push(text(left - 8, y0 + barHeight + 4, g.label, ` text-anchor="end"`));
    g.bars.forEach((b, j) => {
      const color = b.larger ? colors.larger : colors.sample;
      parts.push(`<rect x="${left}" y="${barY(j)}" width="${(x(b.ratio) - left).toFixed(1)}" height="${barHeight}" fill="${color}"/>`);
    });
    const tx = x(g.target);
    parts.push(`<rect x="${(tx - 1.5).toFixed(1)}" y="${y0 - 3}" width="3" height="${2 * barHeight + gap + 6}" fill="${colors.target}"/>`);
    // markers and values last, the values with a white outline, so that the target never hides them
    g.bars.forEach((b, j) => {
      if (b.hand) parts.push(diamond(x(b.hand.gradient / b.primal), barY(j) + barHeight / 2));
      const halo = ` font-size="10" fill="#333" stroke="white" stroke-width="3" paint-order="stroke"`;
      parts.push(text(x(b.ratio) + 4, barY(j) + barHeight - 1, ratio(b.ratio, 1), halo));
    });
  });
  parts.push("</svg>", "");
  return parts.join("\n");
}
