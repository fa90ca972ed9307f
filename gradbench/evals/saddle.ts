/**
 * GradBench's `saddle` eval (Pearlmutter and Siskind): the saddle point of
 *
 *   f(x, y) = (x0^2 + x1^2) - (y0^2 + y1^2)
 *
 * by nested gradient descent, every descent starting at `start`: first x, the argmin over x of
 * max_y f(x, y), each value of that maximum found by gradient ascent in y (so the outer gradient
 * differentiates through the inner ascent); then y, the argmax over y of f(x, y) at that x. Each
 * function returns x and y as one array of four numbers.
 *
 * The functions are named for the modes of their derivatives: the first letter the outer one's
 * (the argmin, and the argmax of the second step), the second the inner one's (r reverse, f
 * forward).
 */
import { grad } from "adjoint";

type Objective = (x: Float64Array) => number;
/** A way of taking the gradient of f at x: by reverse or by forward mode. */
type GradientOf = (f: Objective, x: Float64Array) => Float64Array;

function reverse(f: Objective, x: Float64Array): Float64Array {
  return grad(f)(x);
}

function forward(f: Objective, x: Float64Array): Float64Array {
  return grad(f, { mode: "forward" })(x);
}

/** The function whose saddle point is sought. */
function objective(x: Float64Array, y: Float64Array): number {
  return x[0] * x[0] + x[1] * x[1] - (y[0] * y[0] + y[1] * y[1]);
}

function magnitude(v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < v.length; j++) {
    sum += v[j] * v[j];
  }
  return Math.sqrt(sum);
}

function distance(u: Float64Array, v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < u.length; j++) {
    sum += (u[j] - v[j]) * (u[j] - v[j]);
  }
  return Math.sqrt(sum);
}

function copyInto(target: Float64Array, source: Float64Array): void {
  for (let j = 0; j < source.length; j++) {
    target[j] = source[j];
  }
}

/**
 * GradBench's gradient descent for `sign` 1 (the least of f) or -1 (the greatest, the least of
 * -f): from step size 1e-5, a step is taken when it lowers sign * f and the size halves when it
 * does not; after 10 steps in a row the size doubles. It stops when the gradient's magnitude or
 * the step's length is at most 1e-5.
 */
function descend(sign: number, f: Objective, gradientOf: GradientOf, start: Float64Array): Float64Array {
  const n = start.length;
  const x = new Float64Array(n);
  const next = new Float64Array(n);
  const gx = new Float64Array(n);
  copyInto(x, start);
  let fx = sign * f(x);
  copyInto(gx, gradientOf(f, x));
  let eta = 1e-5;
  let steps = 0;
  for (;;) {
    if (magnitude(gx) <= 1e-5) {
      break;
    }
    if (steps === 10) {
      eta *= 2;
      steps = 0;
      continue;
    }
    for (let j = 0; j < n; j++) {
      next[j] = x[j] - eta * sign * gx[j];
    }
    if (distance(x, next) <= 1e-5) {
      break;
    }
    const fNext = sign * f(next);
    if (fNext < fx) {
      copyInto(x, next);
      fx = fNext;
      copyInto(gx, gradientOf(f, x));
      steps++;
    } else {
      eta /= 2;
      steps = 0;
    }
  }
  return x;
}

function argmin(f: Objective, gradientOf: GradientOf, start: Float64Array): Float64Array {
  return descend(1, f, gradientOf, start);
}

function argmax(f: Objective, gradientOf: GradientOf, start: Float64Array): Float64Array {
  return descend(-1, f, gradientOf, start);
}

/** The saddle point, the outer derivatives taken by `outer` and the inner ones by `inner`. */
function saddle(start: Float64Array, outer: GradientOf, inner: GradientOf): Float64Array {
  const maxOverY = (x: Float64Array) => {
    const fOfY = (y: Float64Array) => objective(x, y);
    return fOfY(argmax(fOfY, inner, start));
  };
  const x = argmin(maxOverY, outer, start);
  const y = argmax((y: Float64Array) => objective(x, y), outer, start);
  const point = new Float64Array(4);
  point[0] = x[0];
  point[1] = x[1];
  point[2] = y[0];
  point[3] = y[1];
  return point;
}

/** @differentiable */
export function rr(start: Float64Array): Float64Array {
  return saddle(start, reverse, reverse);
}

/** @differentiable */
export function ff(start: Float64Array): Float64Array {
  return saddle(start, forward, forward);
}

/** @differentiable */
export function fr(start: Float64Array): Float64Array {
  return saddle(start, forward, reverse);
}

/** @differentiable */
export function rf(start: Float64Array): Float64Array {
  return saddle(start, reverse, forward);
}
