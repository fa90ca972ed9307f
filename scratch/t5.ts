import type { int } from "adjoint";
/** @differentiable @jacobian */
export function pingPong(x: Float64Array, steps: int): Float64Array {
  const cur = x.slice();
  const nxt = new Float64Array(x.length);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < cur.length; i++) {
      const l = i > 0 ? cur[i - 1] : 0;
      const r = i + 1 < cur.length ? cur[i + 1] : 0;
      nxt[i] = 0.5 * cur[i] + 0.25 * (l * l + r);
    }
    for (let i = 0; i < cur.length; i++) cur[i] = nxt[i];
  }
  return cur;
}
/** @differentiable @jacobian */
export function growCopy(x: number[], s: number): number[] {
  const out = x.slice();
  out.push(s * x[0]);
  out[0] = out[0] * s;
  return out;
}
/** @differentiable @jacobian */
export function axpyLoop(a: Float64Array, b: Float64Array): Float64Array {
  const out = a.slice();
  for (let i = 0; i < out.length; i++) out[i] += 2 * b[i];
  for (let i = 0; i < out.length; i++) out[i] += b[i] * out[i];
  return out;
}
/** @differentiable @jacobian */
export function dataTrip(x: Float64Array): number {
  const m = Math.floor(Math.abs(x[0]) * 3) + 1;
  let s = 0;
  for (let k = 0; k < m && k < x.length; k++) s += x[k] * x[(k + 1) % x.length];
  return s;
}
/** @differentiable @jacobian */
export function forOf(x: number[]): number {
  let s = 1;
  for (const v of x) s = s * 0.5 + v * v;
  return s;
}
/** @differentiable @jacobian */
export function f32(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
/** @differentiable @jacobian */
export function readAfterOverwriteLoop(x: Float64Array): number {
  const c = x.slice();
  let acc = 0;
  for (let i = 0; i < c.length; i++) {
    const old = c[i];
    c[i] = old * old;
    const j = (i + 1) % c.length;
    acc += old * c[j] + c[i];
  }
  return acc + c[0];
}
/** @differentiable @jacobian */
export function matVecInPlace(m: Float64Array[], v: Float64Array): Float64Array {
  const x = v.slice();
  for (let rep = 0; rep < 2; rep++) {
    const y = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      let s = 0;
      for (let j = 0; j < x.length; j++) s += m[i][j] * x[j];
      y[i] = s;
    }
    for (let i = 0; i < x.length; i++) x[i] = y[i] * 0.5 + x[i];
  }
  return x;
}
/** @differentiable @jacobian */
export function dotThenReuseCarried(a: Float64Array): number {
  let s = 0;
  let p = 1;
  for (let k = 0; k < a.length; k++) {
    s += a[k] * p;
    p = p * a[k];
  }
  return s + p;
}
