import type { int } from "adjoint";
/** @differentiable(wrt: x, y) @jacobian */
export function recCarried(x: number, y: number, n: int): number {
  if (n <= 0) return x;
  let a = x;
  let b = y;
  for (let i = 0; i < 2; i++) {
    const c = recCarried(b, a, n - 1);
    b = a * 0.5;
    a = c + a * b;
  }
  return a - b;
}
