/**
 * GradBench's particle eval (gradbench/evals/particle.ts) with its derivatives written by hand,
 * for comparison with the generated module: it exports `rr`, `ff`, `fr` and `rf` with the same
 * parameters and result. The four compute the same thing, so they are one function here.
 *
 * The inner derivative is the gradient of the potential p(x; w) = sum_c 1 / |x - c| over the
 * charges c = (10, 10 - w) and (10, 0): with d = x - c and r = |d|, each charge adds -d / r^3.
 * The outer derivative, of the squared x coordinate where the Euler trajectory crosses the x
 * axis with respect to w, is carried forward through the simulation as the tangents dx/dw and
 * dv/dw (velocity), needing the derivative of that gradient: with respect to x it is the Hessian
 * of 1 / r, 3 d d^T / r^5 - I / r^3, and since d = x - (10, 10 - w), d d/dw is dx/dw + (0, 1)
 * for the first charge and dx/dw for the second. The number of steps does not change with a
 * small change of w (away from the values where it jumps), so it has no derivative.
 */

/** Where the particle starts, its velocity then, and the Euler method's time step. */
const START = { x0: 0, x1: 8, v0: 0.75, v1: 0 };
const DELTA_T = 1e-1;

/** The two fixed charges, at (10, 10 - w) and (10, 0). */
function charges(w: number): [number, number][] {
  return [
    [10, 10 - w],
    [10, 0],
  ];
}

/** The potential p(x; w) at the point x. */
export function potential(x: Float64Array, w: number): number {
  let p = 0;
  for (const [c0, c1] of charges(w)) {
    const d0 = x[0] - c0;
    const d1 = x[1] - c1;
    p += 1 / Math.sqrt(d0 * d0 + d1 * d1);
  }
  return p;
}

/** The gradient of the potential with respect to the point x. */
export function potentialGrad(x: Float64Array, w: number): Float64Array {
  const g = new Float64Array(2);
  for (const [c0, c1] of charges(w)) {
    const d0 = x[0] - c0;
    const d1 = x[1] - c1;
    const r2 = d0 * d0 + d1 * d1;
    const r3 = r2 * Math.sqrt(r2);
    g[0] -= d0 / r3;
    g[1] -= d1 / r3;
  }
  return g;
}

/**
 * The gradient of the potential with respect to x at (x0, x1), and its derivative with respect
 * to w when x moves with w at the rate (dx0, dx1).
 */
function potentialGradTangent(
  x0: number,
  x1: number,
  dx0: number,
  dx1: number,
  w: number,
): { g0: number; g1: number; dg0: number; dg1: number } {
  let g0 = 0;
  let g1 = 0;
  let dg0 = 0;
  let dg1 = 0;
  charges(w).forEach(([c0, c1], i) => {
    const d0 = x0 - c0;
    const d1 = x1 - c1;
    // d d/dw: the first charge's y coordinate is 10 - w
    const dd0 = dx0;
    const dd1 = dx1 + (i === 0 ? 1 : 0);
    const r2 = d0 * d0 + d1 * d1;
    const r3 = r2 * Math.sqrt(r2);
    const r5 = r3 * r2;
    g0 -= d0 / r3;
    g1 -= d1 / r3;
    // the Hessian of 1 / r times d d/dw
    const dDotDd = d0 * dd0 + d1 * dd1;
    dg0 += (3 * d0 * dDotDd) / r5 - dd0 / r3;
    dg1 += (3 * d1 * dDotDd) / r5 - dd1 / r3;
  });
  return { g0, g1, dg0, dg1 };
}

/**
 * The particle's path by Euler's method until its next step would cross the x axis, then the
 * squared x coordinate of the crossing, interpolated along the last velocity.
 */
export function naiveEuler(w: number): number {
  let { x0, x1, v0, v1 } = START;
  const position = new Float64Array(2);
  for (;;) {
    const next0 = x0 + DELTA_T * v0;
    const next1 = x1 + DELTA_T * v1;
    if (next1 <= 0) break;
    // the acceleration is minus the potential's gradient at the current point
    position[0] = x0;
    position[1] = x1;
    const g = potentialGrad(position, w);
    x0 = next0;
    x1 = next1;
    v0 -= DELTA_T * g[0];
    v1 -= DELTA_T * g[1];
  }
  const tF = -x1 / v1;
  const hit = x0 + tF * v0;
  return hit * hit;
}

/** `naiveEuler` and its derivative with respect to w. */
export function naiveEulerDerivative(w: number): { value: number; derivative: number } {
  let { x0, x1, v0, v1 } = START;
  // the tangents: derivatives with respect to w
  let dx0 = 0;
  let dx1 = 0;
  let dv0 = 0;
  let dv1 = 0;
  for (;;) {
    const next0 = x0 + DELTA_T * v0;
    const next1 = x1 + DELTA_T * v1;
    if (next1 <= 0) break;
    // the acceleration is minus the potential's gradient at the current point
    const { g0, g1, dg0, dg1 } = potentialGradTangent(x0, x1, dx0, dx1, w);
    x0 = next0;
    x1 = next1;
    dx0 += DELTA_T * dv0;
    dx1 += DELTA_T * dv1;
    v0 -= DELTA_T * g0;
    v1 -= DELTA_T * g1;
    dv0 -= DELTA_T * dg0;
    dv1 -= DELTA_T * dg1;
  }
  const tF = -x1 / v1;
  const dtF = -(dx1 * v1 - x1 * dv1) / (v1 * v1);
  const hit = x0 + tF * v0;
  const dhit = dx0 + dtF * v0 + tF * dv0;
  return { value: hit * hit, derivative: 2 * hit * dhit };
}

/**
 * GradBench's gradient descent in one dimension: from step size 1e-5, a step is taken when it
 * lowers f and the size halves when it does not; after 10 steps in a row the size doubles. It
 * stops when the derivative's magnitude or the step's length is at most 1e-5.
 */
function argmin(f: (w: number) => number, derivative: (w: number) => number, start: number): number {
  let w = start;
  let fw = f(w);
  let gw = derivative(w);
  let eta = 1e-5;
  let steps = 0;
  for (;;) {
    if (Math.abs(gw) <= 1e-5) return w;
    if (steps === 10) {
      eta *= 2;
      steps = 0;
      continue;
    }
    const next = w - eta * gw;
    if (Math.abs(w - next) <= 1e-5) return w;
    const fNext = f(next);
    if (fNext < fw) {
      w = next;
      fw = fNext;
      gw = derivative(w);
      steps++;
    } else {
      eta /= 2;
      steps = 0;
    }
  }
}

/** The control parameter w that makes the particle cross the x axis at the origin, from w0. */
function particle(w0: number): number {
  return argmin(naiveEuler, (w) => naiveEulerDerivative(w).derivative, w0);
}

export const rr = particle;
export const ff = particle;
export const fr = particle;
export const rf = particle;
