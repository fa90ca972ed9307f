/** @differentiable @jacobian */
export function f32Out(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i] + 1;
  return out;
}
/** @differentiable @jacobian */
export function growInBranchLoop(x: Float64Array, t: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) s += x[j] * t;
    if (s > 0) out.push(s * s);
    else out.push(-s);
  }
  return out;
}
