/** @differentiable @jacobian */
export function localMatrix(x: number, y: number): number {
  const g = [
    [x * y, x],
    [y, 1],
  ];
  g[0][1] = g[0][0] * g[1][0];
  g[1][1] = g[0][1] + x;
  let s = 0;
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) s += g[i][j] * g[j][i];
  return s;
}
/** @differentiable @jacobian */
export function localGrid(x: Float64Array): number {
  const g = Array.from({ length: 3 }, () => new Array(3).fill(0));
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) g[i][j] = x[i] * x[j] + (i === j ? x[i] : 0);
  for (let i = 1; i < 3; i++) for (let j = 0; j < 3; j++) g[i][j] = g[i][j] - g[i - 1][j] * 0.5;
  let s = 0;
  for (let i = 0; i < 3; i++) {
    let r = 0;
    for (let j = 0; j < 3; j++) r += g[i][j] * x[j];
    s += r * r;
  }
  return s;
}
/** @differentiable @jacobian */
export function numberArrayLiteral(x: number, y: number): number[] {
  const a = [x * y, x + y, Math.sin(x)];
  a[1] = a[0] * a[2];
  return a;
}
/** @differentiable @jacobian */
export function pushRead(x: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    out.push(x[i] * x[i]);
    if (i > 0) out[i - 1] = out[i - 1] + out[i];
  }
  return out;
}
/** @differentiable @jacobian */
export function branchYieldsLanes(x: number, y: number, n: number): number {
  let a = x;
  let b = y;
  for (let i = 0; i < n; i++) {
    let t;
    if (a > b) {
      t = a * b;
      a = b;
    } else {
      t = a - b;
      b = a + t;
    }
    a = t + a;
  }
  return a * b;
}
/** @differentiable @jacobian */
export function nestedInterchange(w: Float64Array, c: readonly number[]): Float64Array {
  const out = new Float64Array(3);
  for (let i = 0; i < 3; i++) {
    let s = 0;
    for (let k = 0; k < w.length; k++) s += w[k] * c[k] * (i + 1);
    let t = s;
    for (let k = 0; k < w.length; k++) t += w[k] * s;
    out[i] = s * t;
  }
  return out;
}
/** @differentiable @jacobian */
export function innerReadsOuterCarried(w: Float64Array): number {
  let acc = 1;
  for (let i = 0; i < 3; i++) {
    let s = 0;
    for (let k = 0; k < w.length; k++) s += w[k] * acc;
    acc = acc + s * 0.1;
  }
  return acc;
}
/** @differentiable(wrt: w) @jacobian */
export function localArrayRecomputed(w: Float64Array, c0: readonly number[]): number {
  const c = c0.slice();
  let total = 0;
  for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let k = 0; k < c.length; k++) s += w[k] * c[k];
    c[j] = s;
    total += s;
  }
  return total;
}
/** @differentiable @jacobian */
export function localDiffArrayInner(w: Float64Array): number {
  const c = w.slice();
  let total = 0;
  for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let k = 0; k < c.length; k++) s += c[k] * c[k];
    c[j % c.length] = s * 0.1;
    total += s;
  }
  return total;
}
