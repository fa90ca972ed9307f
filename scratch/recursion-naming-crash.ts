// Compiler crash (AD9000, "Maximum call stack size exceeded" in ValueNames.of): the reverse
// sweep of a recursive call times an inlined Math.sin. Binding the sine to a const compiles.
// Run: node bin/adjoint.js scratch/recursion-naming-crash.ts
import type { int } from "adjoint";
/** @differentiable(wrt: v) */
export function r(v: number, n: int): number {
  if (n <= 0) return 1;
  return r(v, n - 1) * Math.sin(v);
}
