import type { int } from "adjoint";
/** @differentiable @jacobian */
export function objCarried(a: number, n: int): number {
  let x = a;
  let o = { p: a, q: 0 };
  for (let i = 0; i < n; i++) {
    o = { p: x, q: i };
    x = x * 2;
  }
  return o.p + o.q;
}
/** @differentiable @jacobian */
export function objInBody(a: number, n: int): number {
  let o = { p: 0, q: 0 };
  for (let i = 0; i < n; i++) {
    const v = a * (i + 1);
    if (i === 0) o = { p: v, q: 1 };
  }
  return o.p * o.q;
}
/** @differentiable @jacobian */
export function objBranch(a: number, b: number): number {
  let x = a * b;
  const o = a > 0 ? { p: x, q: b } : { p: b, q: x };
  x = x + 1;
  return o.p * 3 + o.q + x;
}
