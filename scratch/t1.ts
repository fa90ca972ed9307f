/** @differentiable(wrt: w) @jacobian */
export function revDot(w: Float64Array, c: readonly number[]): number {
  let s = 0;
  for (let k = c.length - 1; k >= 0; k--) s += w[k] * c[k] * c[k];
  return s * s;
}
/** @differentiable(wrt: w) @jacobian */
export function stepDot(w: Float64Array, c: readonly number[]): number {
  let s = 0;
  for (let k = 1; k <= c.length - 1; k += 2) s += w[k] * c[k] + w[k - 1];
  return s;
}
/** @differentiable @jacobian */
export function gaussSeidel(a: Float64Array[], b: Float64Array): Float64Array {
  const x = b.slice();
  for (let it = 0; it < 3; it++) {
    for (let i = 0; i < x.length; i++) {
      let s = 0;
      for (let j = 0; j < x.length; j++) s += a[i][j] * x[j];
      x[i] = x[i] - 0.1 * s;
    }
  }
  return x;
}
/** @differentiable @jacobian */
export function twoDots(a: Float64Array, b: Float64Array): Float64Array {
  let s = 0;
  let t = 1;
  for (let k = 0; k < a.length; k++) {
    const p = a[k] * b[k];
    s += p;
    t = t * 0.5 + p;
  }
  const out = new Float64Array(2);
  out[0] = s;
  out[1] = s * t;
  return out;
}
/** @differentiable @jacobian */
export function selectDot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] > 0 ? a[k] * b[k] : -b[k];
  return s;
}
/** @differentiable @jacobian */
export function carriedSwapPure(a: Float64Array, x0: number): number {
  let x = x0;
  let y = 0;
  for (let k = 0; k < a.length; k++) {
    const t = x;
    x = y + a[k];
    y = t;
  }
  return x * 3 + y;
}
/** @differentiable @jacobian */
export function inPlaceOverwrite(a: Float64Array): number {
  const c = a.slice();
  const v = c[0];
  c[0] = c[1] * c[2];
  const u = c[0];
  c[1] = v * u;
  return v * c[0] + c[1] * u;
}
/** @differentiable @jacobian */
export function prefixInPlace(a: Float64Array): Float64Array {
  const c = a.slice();
  for (let i = 1; i < c.length; i++) c[i] = c[i] * c[i - 1] + c[i];
  return c;
}
/** @differentiable @jacobian */
export function breakLoop(a: Float64Array, lim: number): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    if (s > lim) break;
    s += a[k] * a[k];
  }
  return s;
}
/** @differentiable @jacobian */
export function continueLoop(a: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k] < 0) continue;
    s += a[k] * s + 1;
  }
  return s;
}
/** @differentiable @jacobian */
export function whileData(x: number): number {
  let y = x;
  let n = 0;
  while (y < 10 && n < 50) {
    y = y * 1.5 + 0.1;
    n++;
  }
  return y;
}
/** @differentiable @jacobian */
export function earlyReturn(a: Float64Array): number {
  for (let k = 0; k < a.length; k++) {
    if (a[k] > 0.5) return a[k] * k;
  }
  return a[0] * a[0];
}
/** @differentiable @jacobian */
export function objResult(x: number, y: number): number[] {
  const o = { p: x * y, q: Math.exp(x) - y };
  return [o.p, o.q * o.p];
}
/** @differentiable @jacobian */
export function rowsAlias(m: Float64Array[]): number {
  const r = m[0];
  const r2 = m[0];
  let s = 0;
  for (let j = 0; j < r.length; j++) s += r[j] * r2[j];
  return s;
}
