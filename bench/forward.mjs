/**
 * The forward-mode rows of the benchmark: the arguments of an eval's JVP (`fJvp`) and HVP
 * (`fHvp`), made from the calls the GradBench tool's adapter makes of the primal, and the checks
 * of their results before they are timed.
 *
 * The direction is pseudo-random (a fixed seed), drawn once: one tangent per differentiated
 * argument, the same for an array that several calls share (ba's cameras and points), so that
 * the calls together are one JVP of the eval's objective.
 */
import { random } from "./inputs.mjs";

/** JVPs and HVPs must agree with what they are checked against to this relative difference. */
export const FORWARD_TOLERANCE = 1e-10;

/**
 * The argument lists of every call the adapter's function `adapterName` makes, on `input`, of
 * the primal function `name` (one call, or one per observation for ba's reprojection error).
 */
export function recordedCalls(adapter, adapterName, input, primal, name) {
  const calls = [];
  const f = primal[name];
  const recording = {
    ...primal,
    [name]: (...args) => {
      calls.push(args);
      return f(...args);
    },
  };
  adapter.functions[adapterName](input, { primal: recording, generated: {} }).run();
  if (calls.length === 0) throw new Error(`the adapter's ${adapterName} does not call ${name}`);
  return calls;
}

/** A value of the shape of `value` (a number, a typed array, or an array of them) from `next`. */
function randomLike(value, next) {
  if (typeof value === "number") return next(-1, 1);
  if (ArrayBuffer.isView(value)) return Float64Array.from(value, () => next(-1, 1));
  if (Array.isArray(value)) return value.map((v) => randomLike(v, next));
  throw new Error(`no tangent for a value of type ${typeof value}`);
}

/**
 * For each call, the tangents object of its JVP (or HVP): one entry per differentiated
 * parameter, named as the generated function names them.
 */
function tangentsOf(calls, info, seed) {
  const next = random(seed);
  const shared = new Map();
  return calls.map((args) => {
    if (args.length !== info.params.length) {
      throw new Error(`${info.name} is called with ${args.length} arguments, not its ${info.params.length} parameters`);
    }
    const tangents = {};
    info.params.forEach((param, i) => {
      if (!param.differentiated) return;
      const arg = args[i];
      if (typeof arg === "number") {
        tangents[param.name] = randomLike(arg, next);
      } else {
        if (!shared.has(arg)) shared.set(arg, randomLike(arg, next));
        tangents[param.name] = shared.get(arg);
      }
    });
    return tangents;
  });
}

/** The sum of the elementwise products of two values of the same shape (objects by key). */
function dot(a, b) {
  if (typeof a === "number") return a * b;
  let sum = 0;
  if (Array.isArray(a) || ArrayBuffer.isView(a)) {
    for (let i = 0; i < a.length; i++) sum += dot(a[i], b[i]);
  } else {
    for (const key of Object.keys(b)) sum += dot(a[key], b[key]);
  }
  return sum;
}

/** The largest relative difference |a - b| / max(|a|, |b|) between two values of the same shape. */
function difference(a, b) {
  if (typeof b === "number") {
    if (typeof a !== "number") throw new Error(`expected a number, got ${typeof a}`);
    return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
  }
  let worst = 0;
  if (Array.isArray(b) || ArrayBuffer.isView(b)) {
    if (a?.length !== b.length) throw new Error(`length ${a?.length}, expected ${b.length}`);
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, difference(a[i], b[i]));
  } else {
    for (const key of Object.keys(b)) worst = Math.max(worst, difference(a?.[key], b[key]));
  }
  return worst;
}

/**
 * The primal and the JVP of `info` (a generated function's description) on the calls the
 * adapter makes: `primal` and `jvp` are what one timed run of each calls; `check()` returns the
 * largest relative difference of the JVP's value from the primal's and of its tangent from the
 * gradient's dot product with the tangents (for a function returning an array: u·(Jv) against
 * (uᵀJ)·v, the VJP with a random cotangent u).
 */
export function jvpContenders({ adapter, adapterName, input, primal, generated, info, seed }) {
  const calls = recordedCalls(adapter, adapterName, input, primal, info.name);
  const tangents = tangentsOf(calls, info, seed);
  const f = primal[info.name];
  const jvp = generated[info.jvpName];
  const gradient = generated[info.gradientName];
  return {
    calls: calls.length,
    primal: () => {
      for (const args of calls) f(...args);
    },
    jvp: () => {
      for (let c = 0; c < calls.length; c++) jvp(...calls[c], tangents[c]);
    },
    check() {
      const next = random(seed + 1);
      let worst = 0;
      calls.forEach((args, c) => {
        const result = jvp(...args, tangents[c]);
        worst = Math.max(worst, difference(result.value, f(...args)));
        if (info.vjp) {
          const cotangent = randomLike(result.value, next);
          const { grad } = gradient(...args, cotangent);
          worst = Math.max(worst, difference(dot(cotangent, result.tangent), dot(grad, tangents[c])));
        } else {
          worst = Math.max(worst, difference(result.tangent, dot(gradient(...args).grad, tangents[c])));
        }
      });
      return worst;
    },
  };
}

/**
 * The primal and the HVP of `info` on the calls the adapter makes, as `jvpContenders`. `check()`
 * compares the HVP's value with the primal's, its gradient with the generated gradient's, and H·v
 * with the hand-written Hessian diagonal times v, since the function's `@hessian diagonal`
 * declares its Hessian diagonal.
 */
export function hvpContenders({ adapter, adapterName, input, primal, generated, info, seed, hand }) {
  const diagonalOf = hand?.[info.hessianDiagonalName];
  if (!info.hessianDiagonalName || typeof diagonalOf !== "function") {
    throw new Error(`no hand-written ${info.name}HessianDiagonal to check ${info.hvpName} against`);
  }
  const calls = recordedCalls(adapter, adapterName, input, primal, info.name);
  const tangents = tangentsOf(calls, info, seed);
  const f = primal[info.name];
  const hvp = generated[info.hvpName];
  const gradient = generated[info.gradientName];
  const times = (a, b) => (typeof a === "number" ? a * b : Array.from(a, (x, i) => times(x, b[i])));
  return {
    calls: calls.length,
    primal: () => {
      for (const args of calls) f(...args);
    },
    hvp: () => {
      for (let c = 0; c < calls.length; c++) hvp(...calls[c], tangents[c]);
    },
    check() {
      let worst = 0;
      calls.forEach((args, c) => {
        const result = hvp(...args, tangents[c]);
        worst = Math.max(worst, difference(result.value, f(...args)));
        worst = Math.max(worst, difference(result.grad, gradient(...args).grad));
        const { hessianDiagonal } = diagonalOf(...args);
        for (const name of Object.keys(tangents[c])) {
          worst = Math.max(worst, difference(result.hvp[name], times(hessianDiagonal[name], tangents[c][name])));
        }
      });
      return worst;
    },
  };
}

/** The largest |a - b| over the numbers of two arrays (or arrays of rows) of the same shape,
 * relative to the largest magnitude among them: a Jacobian's zeros are not compared alone. */
function scaledDifference(a, b) {
  const numbers = (value) => Array.from(value, (v) => (typeof v === "number" ? [v] : Array.from(v))).flat();
  const [x, y] = [numbers(a), numbers(b)];
  if (x.length !== y.length) throw new Error(`${x.length} numbers, expected ${y.length}`);
  const scale = Math.max(...x.map(Math.abs), ...y.map(Math.abs));
  return scale === 0 ? 0 : Math.max(...x.map((v, i) => Math.abs(v - y[i]))) / scale;
}

/** The dense rows of a Jacobian in compressed sparse rows (what fJacobianSparse returns). */
function denseRows({ rows, columns, rowStarts, columnIndices, values }) {
  return Array.from({ length: rows }, (_, i) => {
    const row = new Array(columns).fill(0);
    for (let e = rowStarts[i]; e < rowStarts[i + 1]; e++) row[columnIndices[e]] = values[e];
    return row;
  });
}

/**
 * The eval's objective (`objective`, the primal function the adapter calls) and the Jacobian of
 * `info`, a function of the same arguments giving the same residuals, by one `mode`:
 * `fJacobianForward`, `fJacobianSparse` or `fJacobianReverse`. `check()` returns the largest
 * difference of its value from the objective's and of its Jacobian from another mode's (reverse
 * for forward, forward for the others), each relative to its largest magnitude.
 */
export function jacobianContenders({ adapter, adapterName, input, primal, generated, info, objective, mode }) {
  const [args] = recordedCalls(adapter, adapterName, input, primal, objective);
  const f = primal[objective];
  const [name, other] = {
    forward: [info.jacobianForwardName, info.jacobianReverseName],
    sparse: [info.jacobianSparseName, info.jacobianForwardName],
    reverse: [info.jacobianReverseName, info.jacobianForwardName],
  }[mode];
  if (!name || !other) throw new Error(`${info.name} has no @jacobian sparse functions`);
  const jacobian = generated[name];
  const rowsOf = (result) => (mode === "sparse" ? denseRows(result.jacobian) : result.jacobian);
  return {
    calls: 1,
    function: name,
    primal: () => f(...args),
    jacobian: () => jacobian(...args),
    check() {
      const result = jacobian(...args);
      return Math.max(
        scaledDifference(result.value, f(...args)),
        scaledDifference(rowsOf(result), generated[other](...args).jacobian),
      );
    },
  };
}
