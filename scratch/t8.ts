/** @differentiable(wrt: v) @jacobian */
export function matVecWrtV(m: Float64Array[], v: Float64Array): Float64Array {
  const out = new Float64Array(m.length);
  for (let i = 0; i < m.length; i++) {
    let s = 0;
    for (let j = 0; j < v.length; j++) s += m[i][j] * v[j];
    out[i] = s;
  }
  return out;
}
/** @differentiable(wrt: m) @jacobian */
export function matVecWrtM(m: Float64Array[], v: Float64Array): Float64Array {
  const out = new Float64Array(m.length);
  for (let i = 0; i < m.length; i++) {
    let s = 0;
    for (let j = 0; j < v.length; j++) s += m[i][j] * v[j] * v[j];
    out[i] = s;
  }
  return out;
}
/** @differentiable @jacobian */
export function selectSafe(a: Float64Array, b: Float64Array): number {
  let s = 0.1;
  for (let k = 0; k < a.length; k++) s += s > 0 ? a[k] * s : b[k];
  return s;
}
