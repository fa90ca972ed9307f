/**
 * GradBench's saddle eval (gradbench/evals/saddle.ts) with its derivatives written by hand, for
 * comparison with the generated module: it exports `rr`, `ff`, `fr` and `rf` with the same
 * parameters and result. The four compute the same thing, so they are one function here.
 *
 * For f(x, y) = (x0^2 + x1^2) - (y0^2 + y1^2): the inner search's gradient, with respect to y,
 * is -2y. The outer objective is max_y f(x, y) = f(x, y'(x)), y' found by gradient ascent; its
 * gradient is df/dx + (dy'/dx)^T df/dy, and dy'/dx is zero: every step of the inner descent
 * reads only the gradient with respect to y, which does not depend on x, and the comparisons of
 * values that decide the steps have no derivative. What remains is df/dx = 2x.
 */

/** The function whose saddle point is sought. */
export function objective(x: Float64Array, y: Float64Array): number {
  return x[0] * x[0] + x[1] * x[1] - (y[0] * y[0] + y[1] * y[1]);
}

/** The gradient of `objective` with respect to y. */
export function objectiveGradY(y: Float64Array): Float64Array {
  return Float64Array.of(-2 * y[0], -2 * y[1]);
}

/** The gradient of `maxOverY` with respect to x (see the file's comment). */
export function maxOverYGrad(x: Float64Array): Float64Array {
  return Float64Array.of(2 * x[0], 2 * x[1]);
}

function magnitude(v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < v.length; j++) sum += v[j] * v[j];
  return Math.sqrt(sum);
}

function distance(u: Float64Array, v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < u.length; j++) sum += (u[j] - v[j]) * (u[j] - v[j]);
  return Math.sqrt(sum);
}

/**
 * GradBench's gradient descent: from step size 1e-5, a step is taken when it lowers f and the
 * size halves when it does not; after 10 steps in a row the size doubles. It stops when the
 * gradient's magnitude or the step's length is at most 1e-5.
 */
function argmin(
  f: (x: Float64Array) => number,
  gradient: (x: Float64Array) => Float64Array,
  start: Float64Array,
): Float64Array {
  let x = Float64Array.from(start);
  let fx = f(x);
  let gx = gradient(x);
  let eta = 1e-5;
  let steps = 0;
  for (;;) {
    if (magnitude(gx) <= 1e-5) return x;
    if (steps === 10) {
      eta *= 2;
      steps = 0;
      continue;
    }
    const next = x.map((xj, j) => xj - eta * gx[j]);
    if (distance(x, next) <= 1e-5) return x;
    const fNext = f(next);
    if (fNext < fx) {
      x = next;
      fx = fNext;
      gx = gradient(x);
      steps++;
    } else {
      eta /= 2;
      steps = 0;
    }
  }
}

/** The point where f is greatest: where -f is least, whose gradient is minus f's. */
function argmax(
  f: (x: Float64Array) => number,
  gradient: (x: Float64Array) => Float64Array,
  start: Float64Array,
): Float64Array {
  return argmin(
    (x) => -f(x),
    (x) => gradient(x).map((g) => -g),
    start,
  );
}

/** max_y f(x, y), y found by gradient ascent from `start`. */
export function maxOverY(x: Float64Array, start: Float64Array): number {
  const fOfY = (y: Float64Array) => objective(x, y);
  return fOfY(argmax(fOfY, objectiveGradY, start));
}

/** The saddle point's x (argmin of the inner maximum) and then y (argmax at that x), as one array. */
function saddle(start: Float64Array): Float64Array {
  const x = argmin((x) => maxOverY(x, start), maxOverYGrad, start);
  const y = argmax((y) => objective(x, y), objectiveGradY, start);
  return Float64Array.of(x[0], x[1], y[0], y[1]);
}

export const rr = saddle;
export const ff = saddle;
export const fr = saddle;
export const rf = saddle;
