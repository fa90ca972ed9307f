/**
 * GradBench's `det` eval (cmpad's det_by_minor): the determinant of an ell x ell matrix (given
 * row-major) by expansion by minors along the first row, the minor's determinant computed the
 * same way, down to 1 x 1 minors. This costs ell! products, like the reference.
 *
 * The reference recurses (see `det-recursive.ts`); here the recursion is a loop over an explicit
 * stack: level k expands row k over the columns no outer level uses, in increasing order and with
 * alternating signs, and `partial[k]` is the running sum of the minor being expanded at level k.
 * The sums are formed in the same order as the reference's, so the results are identical.
 */
import type { int } from "adjoint";

/** Adds (sign > 0) or subtracts the term `entry * minor` to the running sum of level k. */
function addTerm(partial: Float64Array, k: int, sign: number, entry: number, minor: number): void {
  if (sign > 0) {
    partial[k] = partial[k] + entry * minor;
  } else {
    partial[k] = partial[k] - entry * minor;
  }
}

/** @differentiable */
export function det(a: Float64Array, ell: int): number {
  const n = ell;
  if (n === 1) {
    return a[0];
  }
  // used[j] is 1 while an outer level expands along column j
  const used = new Array<number>(n).fill(0);
  // col[k]: the column of row k whose sub-minor is being expanded, -1 before the first
  const col = new Array<number>(n).fill(-1);
  // sign[k]: the sign of the next term at level k
  const sign = new Array<number>(n).fill(1);
  const partial = new Float64Array(n);

  let k = 0;
  let result = 0;
  while (k >= 0) {
    // the next column of the minor at level k
    let j = col[k] + 1;
    while (j < n && used[j] === 1) {
      j++;
    }
    if (j === n) {
      // every column done: partial[k] is the determinant of this minor
      const minor = partial[k];
      col[k] = -1;
      sign[k] = 1;
      partial[k] = 0;
      k--;
      if (k < 0) {
        result = minor;
      } else {
        used[col[k]] = 0;
        addTerm(partial, k, sign[k], a[k * n + col[k]], minor);
        sign[k] = -sign[k];
      }
    } else {
      col[k] = j;
      if (k === n - 2) {
        // the sub-minor is the 1 x 1 matrix of the last row and the one column left
        let last = 0;
        while (used[last] === 1 || last === j) {
          last++;
        }
        addTerm(partial, k, sign[k], a[k * n + j], a[(n - 1) * n + last]);
        sign[k] = -sign[k];
      } else {
        used[j] = 1;
        k++;
      }
    }
  }
  return result;
}
