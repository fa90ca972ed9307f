import type { int } from "adjoint";
/** @differentiable */
export function norm2(v: Float64Array, s: number): number {
  let t = 0;
  for (let i = 0; i < v.length; i++) t += v[i] * v[i] * s;
  return Math.sqrt(t);
}
/** A rule over an array. */
export function sumSq(v: Float64Array): number {
  let t = 0;
  for (let i = 0; i < v.length; i++) t += v[i] * v[i];
  return t;
}
/** @derivative sumSq */
export function sumSqVjp(v: Float64Array, cotangent: number): { v: Float64Array } {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) g[i] = 2 * v[i] * cotangent;
  return { v: g };
}
/** @differentiable @jacobian */
export function callsOther(v: Float64Array, s: number): Float64Array {
  const out = new Float64Array(2);
  out[0] = norm2(v, s) * s;
  const w = v.slice();
  w[0] = out[0];
  out[1] = norm2(w, 1) + sumSq(v) * out[0];
  return out;
}
/** @differentiable @jacobian */
export function identityArray(v: Float64Array): Float64Array {
  return v;
}
/** @differentiable @jacobian */
export function identityNum(x: number): number {
  return x;
}
/** @differentiable(wrt: v) @jacobian */
export function recursiveArr(v: Float64Array, n: int): number {
  if (n <= 0) return v[0] * v[1];
  return recursiveArr(v, n - 1) * Math.sin(v[1]) + v[n % v.length];
}
/** @differentiable(wrt: x, y) @jacobian */
export function mutualSwap(x: number, y: number, n: int): number {
  if (n === 0) return x - 2 * y;
  const a = mutualSwap(y, x, n - 1);
  const b = mutualSwap(a, y, n - 1);
  return a * b + x;
}
/** @differentiable @jacobian */
export function mathMix(x: number, y: number): number[] {
  return [Math.abs(x - y), Math.max(x, y * y), Math.min(x, 0.1), Math.pow(Math.abs(x) + 1, y), Math.atan2(y, x), Math.hypot(x, y), Math.log1p(x * x), Math.tanh(y)];
}
/** @differentiable @jacobian */
export function constOut(x: number): number[] {
  return [1, 2, x * 0];
}
/** @differentiable(wrt: a) @jacobian */
export function triangular(a: Float64Array, n: int): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) s += a[j] * a[i - j];
    out[i] = s;
  }
  return out;
}
/** @differentiable @jacobian */
export function interchangeThenOverwriteSource(a: Float64Array): number {
  const c = a.slice();
  let total = 0;
  for (let j = 0; j < 2; j++) {
    let s = 0;
    for (let k = 0; k < c.length; k++) s += c[k] * 2;
    c[0] = s;
    total += s * c[1];
  }
  return total;
}
