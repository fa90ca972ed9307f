/** @differentiable @jacobian */
export function dataBoundInner(x: Float64Array, w: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const m = Math.floor(Math.abs(x[i]) * 3) % (w.length + 1);
    let s = x[i];
    for (let k = 0; k < m; k++) s += (k < 2 ? w[k] : -w[k]) * x[i];
    out[i] = s;
    if (s > 0) x[0] > 0 ? (out[0] += s) : (out[0] -= s);
  }
  return out;
}
/** @differentiable @jacobian */
export function interchangeInBranch(x: Float64Array, c: number): number {
  let total = 0;
  if (c > 0) {
    let s = 0;
    for (let k = 0; k < x.length; k++) s += x[k] * c;
    total = s * s;
  } else {
    let s = 1;
    for (let k = 0; k < x.length; k++) s += x[k] * x[k];
    total = s;
  }
  return total * c;
}
