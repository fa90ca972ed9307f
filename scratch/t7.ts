import type { int } from "adjoint";
/** A rule over an array, called in a loop. */
export function weighted(v: Float64Array, s: number): number {
  let t = 0;
  for (let i = 0; i < v.length; i++) t += v[i] * v[i] * s;
  return t;
}
/** @derivative weighted */
export function weightedVjp(v: Float64Array, s: number, cotangent: number): { v: Float64Array; s: number } {
  const g = new Float64Array(v.length);
  let gs = 0;
  for (let i = 0; i < v.length; i++) {
    g[i] = 2 * v[i] * s * cotangent;
    gs += v[i] * v[i] * cotangent;
  }
  return { v: g, s: gs };
}
/** @differentiable @jacobian */
export function ruleInLoop(v: Float64Array, s: number): number {
  let acc = 0;
  for (let i = 0; i < 3; i++) acc = acc * 0.5 + weighted(v, s * (i + 1)) * acc + weighted(v, acc + 1);
  return acc;
}
/** @differentiable @jacobian */
export function neLoop(w: Float64Array, c: readonly number[]): number {
  let s = 0;
  for (let k = 0; k !== c.length; k++) s += w[k] * c[k];
  return s * s;
}
/** @differentiable @jacobian */
export function rowOverwrite(x: Float64Array): number {
  const g = [
    [x[0], x[1], 0],
    [x[2], 1, x[0]],
  ];
  let total = 0;
  for (let i = 0; i < 2; i++) {
    let s = 0;
    for (let j = 0; j < 3; j++) s += g[i][j] * g[1 - i][j];
    g[1 - i][0] = s;
    total += s * g[i][0];
  }
  return total;
}
/** @differentiable @jacobian */
export function selectCarried(a: Float64Array, b: Float64Array): number {
  let s = 0.1;
  for (let k = 0; k < a.length; k++) s += s > 0 ? a[k] * s : b[k];
  return s;
}
/** @differentiable(wrt: x) @jacobian */
export function recursionInLoop(x: number, n: int): number {
  if (n <= 0) return Math.sin(x);
  let s = 0;
  for (let i = 0; i < 2; i++) s += recursionInLoop(x * (i + 1) + s, n - 1);
  return s * x;
}
/** @differentiable @jacobian */
export function manyCols(x: Float64Array): Float64Array {
  const out = new Float64Array(3);
  for (let i = 0; i < x.length; i++) {
    out[0] += x[i] * x[i];
    out[1] += Math.sin(x[i]) * (i + 1);
    out[2] = out[2] * 0.9 + x[i] * out[0];
  }
  return out;
}
