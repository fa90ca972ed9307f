/**
 * GradBench's `particle` eval (Pearlmutter and Siskind): a charged particle starts at (0, 8)
 * with velocity (0.75, 0) and moves in the field of two fixed charges, at (10, 10 - w) and
 * (10, 0), whose potential is
 *
 *   p(x; w) = 1 / |x - (10, 10 - w)| + 1 / |x - (10, 0)|.
 *
 * Its path is integrated by Euler's method, the acceleration being -grad_x p, until it would
 * cross the x axis; the squared x coordinate of the crossing is minimised over w by gradient
 * descent from the input w, which differentiates through the simulation and the gradients of p
 * in it. The result is the final w.
 *
 * The functions are named for the modes of their derivatives: the first letter the descent's
 * (with respect to w), the second the simulation's (of p, with respect to x; r reverse, f
 * forward).
 */
import { grad } from "adjoint";

type Objective = (w: number) => number;
type PointObjective = (x: Float64Array) => number;
/** A way of taking the derivative of f at w: by reverse or by forward mode. */
type DerivativeOf = (f: Objective, w: number) => number;
/** A way of taking the gradient of f at x: by reverse or by forward mode. */
type GradientOf = (f: PointObjective, x: Float64Array) => Float64Array;

function reverseDerivative(f: Objective, w: number): number {
  return grad(f)(w);
}

function forwardDerivative(f: Objective, w: number): number {
  return grad(f, { mode: "forward" })(w);
}

function reverseGradient(f: PointObjective, x: Float64Array): Float64Array {
  return grad(f)(x);
}

function forwardGradient(f: PointObjective, x: Float64Array): Float64Array {
  return grad(f, { mode: "forward" })(x);
}

/** The time step of Euler's method. */
const DELTA_T = 1e-1;

function distance(x0: number, x1: number, y0: number, y1: number): number {
  return Math.sqrt((x0 - y0) * (x0 - y0) + (x1 - y1) * (x1 - y1));
}

/** The potential of the two charges at the point x. */
function potential(x: Float64Array, w: number): number {
  return 1 / distance(x[0], x[1], 10, 10 - w) + 1 / distance(x[0], x[1], 10, 0);
}

/**
 * The particle's path by Euler's method until its next step would cross the x axis, then the
 * squared x coordinate of the crossing, interpolated along the last velocity.
 */
function naiveEuler(w: number, gradientOf: GradientOf): number {
  let x0 = 0;
  let x1 = 8;
  let v0 = 0.75;
  let v1 = 0;
  for (;;) {
    const next0 = x0 + DELTA_T * v0;
    const next1 = x1 + DELTA_T * v1;
    if (next1 <= 0) {
      break;
    }
    const position = new Float64Array(2);
    position[0] = x0;
    position[1] = x1;
    // the acceleration is minus the potential's gradient where the particle is
    const g = gradientOf((x: Float64Array) => potential(x, w), position);
    x0 = next0;
    x1 = next1;
    v0 -= DELTA_T * g[0];
    v1 -= DELTA_T * g[1];
  }
  const tF = -x1 / v1;
  const hit = x0 + tF * v0;
  return hit * hit;
}

/**
 * GradBench's gradient descent, here in one dimension: from step size 1e-5, a step is taken when
 * it lowers f and the size halves when it does not; after 10 steps in a row the size doubles. It
 * stops when the derivative's magnitude or the step's length is at most 1e-5.
 */
function argmin(f: Objective, derivativeOf: DerivativeOf, start: number): number {
  let w = start;
  let fw = f(w);
  let gw = derivativeOf(f, w);
  let eta = 1e-5;
  let steps = 0;
  while (Math.abs(gw) > 1e-5) {
    if (steps === 10) {
      eta *= 2;
      steps = 0;
      continue;
    }
    const next = w - eta * gw;
    if (Math.abs(w - next) <= 1e-5) {
      break;
    }
    const fNext = f(next);
    if (fNext < fw) {
      w = next;
      fw = fNext;
      gw = derivativeOf(f, w);
      steps++;
    } else {
      eta /= 2;
      steps = 0;
    }
  }
  return w;
}

/** The w that makes the particle cross the x axis at the origin, found from w0. */
function particle(w0: number, outer: DerivativeOf, inner: GradientOf): number {
  return argmin((w: number) => naiveEuler(w, inner), outer, w0);
}

/** @differentiable */
export function rr(w0: number): number {
  return particle(w0, reverseDerivative, reverseGradient);
}

/** @differentiable */
export function ff(w0: number): number {
  return particle(w0, forwardDerivative, forwardGradient);
}

/** @differentiable */
export function fr(w0: number): number {
  return particle(w0, forwardDerivative, reverseGradient);
}

/** @differentiable */
export function rf(w0: number): number {
  return particle(w0, reverseDerivative, forwardGradient);
}
