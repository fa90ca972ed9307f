/**
 * One adapter per GradBench eval: which source file under gradbench/evals/ holds its primal, and
 * for each function the eval asks for, how to turn the JSON input into the arguments of the
 * primal or of the gradient adjoint generated (once, outside the timed runs), what one timed run
 * calls, and how its result becomes the output JSON the eval expects.
 *
 * Every derivative here comes from a generated function (a gradient, a VJP, a Hessian's
 * diagonal, a Jacobian, or a nested eval's own derivatives); the adapters only convert data and
 * assemble Jacobians from vector-Jacobian and Jacobian-vector products.
 */

/** The loaded modules of an eval: the primal source and the generated gradient module. */
export interface LoadedModule {
  primal: Record<string, unknown>;
  generated: Record<string, unknown>;
}

/** A function prepared for timing: `run` is what one timed run calls, `output` makes the JSON. */
export interface Prepared {
  run(): unknown;
  output(result: unknown): unknown;
}

export type FunctionAdapter = (input: unknown, module: LoadedModule) => Prepared;

export interface EvalAdapter {
  /** The file under gradbench/evals/ compiled for this eval. */
  source: string;
  functions: Record<string, FunctionAdapter>;
}

/** Parsed JSON, checked where it is converted. */
type Json = any;
type Fn = (...args: any[]) => any;

/** An exported function of a loaded module, or a clear error. */
function fn(module: Record<string, unknown>, name: string): Fn {
  const f = module[name];
  if (typeof f !== "function") throw new Error(`the module exports no function '${name}'`);
  return f as Fn;
}

function field(input: Json, name: string): Json {
  if (input === null || typeof input !== "object" || !(name in input)) {
    throw new Error(`the input has no field '${name}'`);
  }
  return input[name];
}

function number(value: Json, what: string): number {
  if (typeof value !== "number") throw new Error(`'${what}' is not a number`);
  return value;
}

function numbers(value: Json, what: string): Float64Array {
  if (!Array.isArray(value)) throw new Error(`'${what}' is not an array of numbers`);
  const out = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "number") throw new Error(`'${what}[${i}]' is not a number`);
    out[i] = value[i];
  }
  return out;
}

function rows(value: Json, what: string): Float64Array[] {
  if (!Array.isArray(value)) throw new Error(`'${what}' is not an array of arrays`);
  return value.map((row: Json, i: number) => numbers(row, `${what}[${i}]`));
}

function integer(value: Json, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`'${what}' is not an integer`);
  return value;
}

function integers(value: Json, what: string): number[] {
  if (!Array.isArray(value)) throw new Error(`'${what}' is not an array of integers`);
  return value.map((v: Json, i: number) => integer(v, `${what}[${i}]`));
}

/** Element `i` of an array built long enough for it (a RangeError otherwise). */
function element<T>(array: ArrayLike<T>, i: number): T {
  const x = array[i];
  if (x === undefined) throw new RangeError(`no element ${i} in an array of ${array.length}`);
  return x;
}

function toArray(x: ArrayLike<number>): number[] {
  return Array.from(x);
}

function toRows(x: ArrayLike<number>[]): number[][] {
  return x.map(toArray);
}

/** A prepared call whose result is returned as is (a number) or as a plain array. */
function prepared(run: () => unknown, output: (result: any) => unknown = (r) => r): Prepared {
  return { run, output };
}

const hello: EvalAdapter = {
  source: "hello.ts",
  functions: {
    square(input, m) {
      const x = number(input, "input");
      const square = fn(m.primal, "square");
      return prepared(() => square(x));
    },
    double(input, m) {
      // the derivative of x^2
      const x = number(input, "input");
      const squareGrad = fn(m.generated, "squareGrad");
      return prepared(() => squareGrad(x).grad.x);
    },
  },
};

/**
 * A function of an eval that calls one exported function of the primal or the generated module
 * on the arguments `argumentsOf` makes of the input (once), and picks the answer from its result.
 */
function calling(
  argumentsOf: (input: Json) => unknown[],
  module: keyof LoadedModule,
  name: string,
  answer: (result: any) => unknown = (result) => result,
  output?: (result: any) => unknown,
): FunctionAdapter {
  return (input, m) => {
    const args = argumentsOf(input);
    const f = fn(m[module], name);
    return prepared(() => answer(f(...args)), output);
  };
}

const llsqArguments = (input: Json) => [numbers(field(input, "x"), "x"), integer(field(input, "n"), "n")];

const llsq: EvalAdapter = {
  source: "llsq.ts",
  functions: {
    primal: calling(llsqArguments, "primal", "llsq"),
    gradient: calling(llsqArguments, "generated", "llsqGrad", (r) => r.grad.x, toArray),
  },
};

const lseArguments = (input: Json) => [numbers(field(input, "x"), "x")];

const lse: EvalAdapter = {
  source: "lse.ts",
  functions: {
    primal: calling(lseArguments, "primal", "logsumexp"),
    gradient: calling(lseArguments, "generated", "logsumexpGrad", (r) => r.grad.x, toArray),
  },
};

function detArguments(input: Json): unknown[] {
  const a = numbers(field(input, "A"), "A");
  const ell = integer(field(input, "ell"), "ell");
  if (a.length !== ell * ell) throw new Error(`'A' has ${a.length} elements, not ell^2 = ${ell * ell}`);
  return [a, ell];
}

const det: EvalAdapter = {
  source: "det.ts",
  functions: {
    primal: calling(detArguments, "primal", "det"),
    gradient: calling(detArguments, "generated", "detGrad", (r) => r.grad.a, toArray),
  },
};

const ode: EvalAdapter = {
  source: "ode.ts",
  functions: {
    primal(input, m) {
      const x = numbers(field(input, "x"), "x");
      const s = integer(field(input, "s"), "s");
      const f = fn(m.primal, "ode");
      return prepared(() => f(x, s), toArray);
    },
    gradient(input, m) {
      // the gradient of the last element of the result: one VJP with the last unit vector
      const x = numbers(field(input, "x"), "x");
      const s = integer(field(input, "s"), "s");
      const cotangent = new Float64Array(x.length);
      cotangent[x.length - 1] = 1;
      const g = fn(m.generated, "odeVjp");
      return prepared(() => g(x, s, cotangent).grad.x, toArray);
    },
  },
};

function gmmArguments(input: Json): unknown[] {
  const d = integer(field(input, "d"), "d");
  const k = integer(field(input, "k"), "k");
  const n = integer(field(input, "n"), "n");
  return [
    d,
    k,
    n,
    numbers(field(input, "alpha"), "alpha"),
    rows(field(input, "mu"), "mu"),
    rows(field(input, "q"), "q"),
    rows(field(input, "l"), "l"),
    rows(field(input, "x"), "x"),
    number(field(input, "gamma"), "gamma"),
    integer(field(input, "m"), "m"),
  ];
}

const gmm: EvalAdapter = {
  source: "gmm.ts",
  functions: {
    objective: calling(gmmArguments, "primal", "gmmObjective"),
    jacobian: calling(gmmArguments, "generated", "gmmObjectiveGrad", (r) => r.grad, (grad) => ({
      alpha: toArray(grad.alpha),
      mu: toRows(grad.mu),
      q: toRows(grad.q),
      l: toRows(grad.l),
    })),
  },
};

function lstmArguments(input: Json): Float64Array[][] {
  return [
    rows(field(input, "main_params"), "main_params"),
    rows(field(input, "extra_params"), "extra_params"),
    rows(field(input, "state"), "state"),
    rows(field(input, "sequence"), "sequence"),
  ];
}

const lstm: EvalAdapter = {
  source: "lstm.ts",
  functions: {
    objective: calling(lstmArguments, "primal", "lstmObjective"),
    // the gradient with respect to main_params and extra_params, rows concatenated
    jacobian: calling(lstmArguments, "generated", "lstmObjectiveGrad", (r) => r.grad, (grad) =>
      [...grad.mainParams, ...grad.extraParams].flatMap((row: Float64Array) => toArray(row)),
    ),
  },
};

const BA_CAMERA_PARAMETERS = 11;

/**
 * The bundle adjustment problem GradBench describes with one camera, point, weight and feature:
 * n cameras, m points and p observations, all copies of them, observation i seeing point i mod m
 * through camera i mod n (as the reference builds it). Each observation gets views (subarrays)
 * of its camera, point and feature, made here once.
 */
function baProblem(input: Json) {
  const n = integer(field(input, "n"), "n");
  const m = integer(field(input, "m"), "m");
  const p = integer(field(input, "p"), "p");
  const cam = numbers(field(input, "cam"), "cam");
  const x = numbers(field(input, "x"), "x");
  const w = number(field(input, "w"), "w");
  const feat = numbers(field(input, "feat"), "feat");
  if (cam.length !== BA_CAMERA_PARAMETERS || x.length !== 3 || feat.length !== 2) {
    throw new Error("ba expects 11 camera parameters, a 3D point, a weight and a 2D feature");
  }
  const cams = new Float64Array(BA_CAMERA_PARAMETERS * n);
  for (let i = 0; i < n; i++) cams.set(cam, i * BA_CAMERA_PARAMETERS);
  const points = new Float64Array(3 * m);
  for (let i = 0; i < m; i++) points.set(x, i * 3);
  const weights = new Float64Array(p).fill(w);
  const feats = new Float64Array(2 * p);
  for (let i = 0; i < p; i++) feats.set(feat, i * 2);
  const obs = new Int32Array(2 * p);
  for (let i = 0; i < p; i++) {
    obs[2 * i] = i % n;
    obs[2 * i + 1] = i % m;
  }
  const camViews = Array.from({ length: n }, (_, i) =>
    cams.subarray(i * BA_CAMERA_PARAMETERS, (i + 1) * BA_CAMERA_PARAMETERS),
  );
  const pointViews = Array.from({ length: m }, (_, i) => points.subarray(i * 3, i * 3 + 3));
  const featViews = Array.from({ length: p }, (_, i) => feats.subarray(i * 2, i * 2 + 2));
  return { n, m, p, weights, obs, camViews, pointViews, featViews };
}

const ba: EvalAdapter = {
  source: "ba.ts",
  functions: {
    objective(input, module) {
      const { p, weights, obs, camViews, pointViews, featViews } = baProblem(input);
      const reprojError = fn(module.primal, "reprojError");
      const weightError = fn(module.primal, "weightError");
      return prepared(
        () => {
          const reproj = new Float64Array(2 * p);
          const wErr = new Float64Array(p);
          for (let i = 0; i < p; i++) {
            const e = reprojError(camViews[element(obs, 2 * i)], pointViews[element(obs, 2 * i + 1)], weights[i], featViews[i]);
            reproj[2 * i] = e[0];
            reproj[2 * i + 1] = e[1];
          }
          for (let i = 0; i < p; i++) wErr[i] = weightError(weights[i]);
          return { reproj, wErr };
        },
        ({ reproj, wErr }: { reproj: Float64Array; wErr: Float64Array }) => ({
          reproj_error: { elements: [reproj[0], reproj[1]], repeated: reproj.length / 2 },
          w_err: { element: wErr[0], repeated: wErr.length },
        }),
      );
    },
    jacobian(input, module) {
      // The sparse Jacobian in the reference's format (CSR-like: rows holds the offsets of the
      // rows in cols and vals): per observation two rows of 15 entries (11 camera parameters,
      // 3 point coordinates, the weight), each row one VJP of reprojError with a unit cotangent;
      // then one row per weight error.
      const { n, m, p, weights, obs, camViews, pointViews, featViews } = baProblem(input);
      const reprojErrorVjp = fn(module.generated, "reprojErrorVjp");
      const weightErrorGrad = fn(module.generated, "weightErrorGrad");
      const blockColumns = BA_CAMERA_PARAMETERS + 3 + 1;
      const unit = [
        [1, 0],
        [0, 1],
      ];
      const out = { cam: new Float64Array(BA_CAMERA_PARAMETERS), x: new Float64Array(3) };
      return prepared(
        () => {
          const nonzeros = 2 * p * blockColumns + p;
          const rowStarts = new Int32Array(3 * p + 1);
          const cols = new Int32Array(nonzeros);
          const vals = new Float64Array(nonzeros);
          let row = 0;
          let at = 0;
          for (let i = 0; i < p; i++) {
            const camIdx = element(obs, 2 * i);
            const ptIdx = element(obs, 2 * i + 1);
            for (let r = 0; r < 2; r++) {
              const { grad } = reprojErrorVjp(camViews[camIdx], pointViews[ptIdx], weights[i], featViews[i], unit[r], out);
              for (let j = 0; j < BA_CAMERA_PARAMETERS; j++) {
                cols[at] = BA_CAMERA_PARAMETERS * camIdx + j;
                vals[at++] = grad.cam[j];
              }
              for (let j = 0; j < 3; j++) {
                cols[at] = BA_CAMERA_PARAMETERS * n + 3 * ptIdx + j;
                vals[at++] = grad.x[j];
              }
              cols[at] = BA_CAMERA_PARAMETERS * n + 3 * m + i;
              vals[at++] = grad.w;
              rowStarts[++row] = at;
            }
          }
          for (let i = 0; i < p; i++) {
            cols[at] = BA_CAMERA_PARAMETERS * n + 3 * m + i;
            vals[at++] = weightErrorGrad(weights[i]).grad.w;
            rowStarts[++row] = at;
          }
          return { rowStarts, cols, vals };
        },
        // GradBench's output: the first two blocks (30 entries) and the last entry of each array
        ({ rowStarts, cols, vals }: { rowStarts: Int32Array; cols: Int32Array; vals: Float64Array }) => {
          const count = 2 * blockColumns;
          const head = (a: ArrayLike<number>) => [...Array.from(a).slice(0, count), a[a.length - 1]];
          return { rows: head(rowStarts), cols: head(cols), vals: head(vals) };
        },
      );
    },
  },
};

/**
 * The hand model and the data of an ht input: `modelArgs` are the model's arguments of the
 * eval's functions (after theta, and us for the complicated variant), the 4 x 4 matrices
 * flattened row-major.
 */
function htProblem(input: Json) {
  const theta = numbers(field(input, "theta"), "theta");
  const data = field(input, "data");
  const model = field(data, "model");
  const matrices = (value: Json, what: string): Float64Array[] => {
    if (!Array.isArray(value)) throw new Error(`'${what}' is not an array of matrices`);
    return value.map((matrix: Json, i: number) => {
      if (!Array.isArray(matrix)) throw new Error(`'${what}[${i}]' is not a matrix`);
      return numbers(matrix.flat(), `${what}[${i}]`);
    });
  };
  const usField = field(input, "us");
  const us = numbers(Array.isArray(usField) ? usField.flat() : usField, "us");
  const correspondences = integers(field(data, "correspondences"), "correspondences");
  const triangleList = field(model, "triangles");
  if (!Array.isArray(triangleList)) throw new Error("'triangles' is not an array");
  const triangles = triangleList.map((t: Json, i: number) => integers(t, `triangles[${i}]`));
  const isMirrored = field(model, "is_mirrored");
  if (typeof isMirrored !== "boolean") throw new Error("'is_mirrored' is not a boolean");
  const modelArgs = [
    integers(field(model, "parents"), "parents"),
    matrices(field(model, "base_relatives"), "base_relatives"),
    matrices(field(model, "inverse_base_absolutes"), "inverse_base_absolutes"),
    rows(field(model, "base_positions"), "base_positions"),
    rows(field(model, "weights"), "weights"),
    isMirrored,
  ];
  const points = rows(field(data, "points"), "points");
  const complicated = us.length > 0;
  if (complicated && us.length !== 2 * correspondences.length) {
    throw new Error(`'us' has ${us.length / 2} pairs for ${correspondences.length} correspondences`);
  }
  return { theta, us, complicated, modelArgs, triangles, correspondences, points };
}

const ht: EvalAdapter = {
  source: "ht.ts",
  functions: {
    objective(input, module) {
      const { theta, us, complicated, modelArgs, triangles, correspondences, points } = htProblem(input);
      const args = complicated
        ? [theta, us, ...modelArgs, triangles, correspondences, points]
        : [theta, ...modelArgs, correspondences, points];
      const f = fn(module.primal, complicated ? "handObjectiveComplicated" : "handObjective");
      return prepared(() => f(...args), toArray);
    },
    jacobian(input, module) {
      // The dense Jacobian, three rows per point, by sparse vector forward mode: the generated
      // fJacobianSparse finds the pattern at the point (a point's residuals depend on the global
      // pose and on the fingers moving its vertex), colours the columns of theta so that no
      // row holds two of one colour, and takes one fJvpBatch direction per colour. The
      // complicated variant has two more columns, first: each point's residuals depend on its
      // own pair of barycentric coordinates alone, so they are two JVPs along every point's
      // first coordinate at once, then its second.
      const { theta, us, complicated, modelArgs, triangles, correspondences, points } = htProblem(input);
      if (!complicated) {
        const bySparse = fn(module.generated, "correspondingResidualsJacobianSparse");
        const args = [theta, ...modelArgs, correspondences, points];
        return prepared(() => dense(bySparse(...args).jacobian));
      }
      const byTheta = fn(module.generated, "triangleResidualsOfThetaJacobianSparse");
      const byUs = fn(module.generated, "triangleResidualsOfUsJvp");
      const args = [theta, us, ...modelArgs, triangles, correspondences, points];
      const alongEvery = (first: number) => ({ us: Float64Array.from(us, (_, k) => (k % 2 === first ? 1 : 0)) });
      const [alongFirst, alongSecond] = [alongEvery(0), alongEvery(1)];
      return prepared(() => {
        const first: Float64Array = byUs(...args, alongFirst).tangent;
        const second: Float64Array = byUs(...args, alongSecond).tangent;
        return dense(byTheta(...args).jacobian, [first, second]);
      });
    },
  },
};

/** A Jacobian in compressed sparse rows, as a generated fJacobianSparse returns it. */
interface SparseJacobian {
  rows: number;
  columns: number;
  rowStarts: Int32Array;
  columnIndices: Int32Array;
  values: Float64Array;
}

/** The dense rows of a sparse Jacobian, after the dense columns `before`. */
function dense({ rows, columns, rowStarts, columnIndices, values }: SparseJacobian, before: Float64Array[] = []): number[][] {
  const offset = before.length;
  return Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(offset + columns).fill(0);
    for (let c = 0; c < offset; c++) row[c] = before[c]![i]!;
    for (let e = rowStarts[i]!; e < rowStarts[i + 1]!; e++) row[offset + columnIndices[e]!] = values[e]!;
    return row;
  });
}

const kmeansArguments = (input: Json) => [rows(field(input, "points"), "points"), rows(field(input, "centroids"), "centroids")];

/**
 * kmeans: `dir` is the Newton direction for the centroids, the gradient divided elementwise by
 * the Hessian's diagonal, which `@hessian diagonal` generates as one Hessian-vector product
 * along ones (forward over reverse).
 */
const kmeans: EvalAdapter = {
  source: "kmeans.ts",
  functions: {
    cost: calling(kmeansArguments, "primal", "cost"),
    dir: calling(
      kmeansArguments,
      "generated",
      "costHessianDiagonal",
      (r: { grad: { centroids: Float64Array[] }; hessianDiagonal: { centroids: Float64Array[] } }) =>
        r.grad.centroids.map((row, j) => row.map((g, l) => g / r.hessianDiagonal.centroids[j]![l]!)),
      toRows,
    ),
  },
};

/**
 * An eval of nested derivatives: each of rr, ff, fr and rf calls the generated module's
 * function of that name, which takes its derivatives inside (the first letter the outer
 * derivative's mode, the second the inner one's).
 */
function nestedModes(
  source: string,
  argumentsOf: (input: Json) => unknown[],
  output?: (result: any) => unknown,
): EvalAdapter {
  const functions: Record<string, FunctionAdapter> = {};
  for (const name of ["rr", "ff", "fr", "rf"]) functions[name] = calling(argumentsOf, "generated", name, undefined, output);
  return { source, functions };
}

function saddleArguments(input: Json): unknown[] {
  const start = numbers(field(input, "start"), "start");
  if (start.length !== 2) throw new Error("saddle expects a start point of two numbers");
  return [start];
}

const saddle: EvalAdapter = nestedModes("saddle.ts", saddleArguments, toArray);
const particle: EvalAdapter = nestedModes("particle.ts", (input) => [number(field(input, "w"), "w")]);

/** The evals this tool implements, by module name. */
export const adapters: Record<string, EvalAdapter> = {
  hello,
  llsq,
  lse,
  det,
  ode,
  gmm,
  lstm,
  ba,
  ht,
  kmeans,
  saddle,
  particle,
};
