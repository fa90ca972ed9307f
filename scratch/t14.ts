/** @differentiable @jacobian */
export function bubbleSort(x: Float64Array): Float64Array {
  const c = x.slice();
  for (let i = 0; i < c.length; i++) {
    for (let j = 0; j + 1 < c.length - i; j++) {
      if (c[j] > c[j + 1]) {
        const t = c[j];
        c[j] = c[j + 1];
        c[j + 1] = t;
      }
    }
  }
  return c;
}
/** @differentiable @jacobian */
export function elementSwapTwice(x: Float64Array): Float64Array {
  const c = x.slice();
  const t = c[0];
  c[0] = c[1] * t;
  c[1] = t;
  const u = c[0];
  c[0] = c[2];
  c[2] = u + c[1];
  return c;
}
/** @differentiable @jacobian */
export function maxMany(x: Float64Array): number {
  let m = x[0];
  for (let i = 1; i < x.length; i++) m = Math.max(m, x[i] * x[i], -x[i]);
  return m;
}
/** @differentiable @jacobian */
export function selfAssign(x: Float64Array): Float64Array {
  const c = x.slice();
  for (let i = 0; i < c.length; i++) c[i] = c[i];
  c[0] = c[0] * c[0];
  return c;
}
