/** @differentiable @jacobian */
export function threeLevels(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let r = 0; r < 2; r++) {
    for (let i = 0; i < a.length; i++) {
      let s = out[i];
      for (let j = 0; j < b.length; j++) s += a[(i + j) % a.length] * b[j] * (r + 1);
      out[i] = s * 0.5 + out[(i + 1) % a.length];
    }
  }
  return out;
}
/** @differentiable @jacobian */
export function expInLoop(a: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.exp(a[k] * 0.3) * a[k];
  return Math.log(s * s + 1);
}
/** @differentiable @jacobian */
export function interchangeThenSameBufferReuse(a: Float64Array): Float64Array {
  const out = new Float64Array(3);
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * a[k];
  out[0] = s;
  let t = s;
  for (let k = 0; k < a.length; k++) t += a[k] * s;
  out[1] = t;
  s = t * 2;
  for (let k = 0; k < a.length; k++) s += a[k];
  out[2] = s * t;
  return out;
}
/** @differentiable @jacobian */
export function floorIndex(a: Float64Array, x: number): number {
  const i = Math.floor(Math.abs(x) * 2) % a.length;
  return a[i] * x + Math.floor(x * 3) * a[0];
}
