/** @differentiable @jacobian */
export function breakMid(a: Float64Array, lim: number): number {
  let s = 1;
  let t = 0;
  for (let k = 0; k < a.length; k++) {
    s = s * a[k] + 0.5;
    t = t + s * s;
    if (s > lim) break;
    s = s + t * 0.1;
  }
  return s + 2 * t;
}
/** @differentiable @jacobian */
export function whileBreak(x: number, y: number): number {
  let a = x;
  let b = y;
  let i = 0;
  while (i < 20) {
    a = a * 0.9 + b;
    if (a > 3) break;
    b = b * a;
    i++;
  }
  return a - b;
}
/** @differentiable @jacobian */
export function continueMid(a: Float64Array): number {
  let s = 0.5;
  for (let k = 0; k < a.length; k++) {
    s = s * a[k];
    if (s < 0) continue;
    s = Math.sqrt(s + 1);
  }
  return s;
}
/** @differentiable @jacobian */
export function returnInLoop(a: Float64Array, lim: number): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    s = s + a[k] * a[k];
    if (s > lim) return s * lim;
  }
  return -s;
}
/** @differentiable @jacobian */
export function nestedBreak(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    let s = 0;
    for (let j = 0; j < a.length; j++) {
      s += a[j] * a[i];
      if (s > 1) break;
    }
    out[i] = s;
  }
  return out;
}
/** @differentiable @jacobian */
export function doWhile(x: number): number {
  let y = x;
  do {
    y = y * y + 0.1;
  } while (y < 1);
  return y;
}
