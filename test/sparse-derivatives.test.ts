/**
 * `@jacobian sparse` and `@hessian sparse` compress as the structure allows
 * (fixtures/sparse-jacobians, fixtures/sparse-hessians): the fixture tests check every entry;
 * this checks how few directions the compressed Jacobians and Hessians take and the patterns
 * found, on functions whose structure is known.
 */
import { expect, test } from "vitest";
import {
  blendedPointsJacobianPattern,
  bvpResidualsJacobianSparse,
  chainEnergyJacobianSparse,
  rectifiedProductsJacobianPattern,
  rootAndSumJacobianForward,
  rootAndSumJacobianSparse,
  springLengthsJacobianSparse,
} from "../fixtures/sparse-jacobians/input.grad.js";
import {
  chainEnergyHessianSparse,
  pairPotentialHessianSparse,
  rootProductsHessian,
  rootProductsHessianSparse,
  scaledNormHessianSparse,
  softplusSumHessianSparse,
} from "../fixtures/sparse-hessians/input.grad.js";

test("a tridiagonal Jacobian of any size takes three directions", () => {
  for (const n of [3, 40, 100]) {
    const u = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const { jacobian, colours } = bvpResidualsJacobianSparse(u, 0.1, new Array<number>(n).fill(0));
    expect(colours).toBe(3);
    expect(jacobian.values.length).toBe(3 * n - 2);
  }
});

test("a weight of zero contributes no entry to the pattern", () => {
  const weights = [Float64Array.of(0, 0.7, 0.3, 0), Float64Array.of(1, 0, 0, 0), Float64Array.of(0, 0, 0, 0)];
  const { pattern } = blendedPointsJacobianPattern(Float64Array.of(0.1, 0.2, 0.3, 0.4), weights);
  expect(pattern).toEqual([[1, 2], [0], []]);
});

test("the pattern follows the branch taken at the point", () => {
  const { pattern } = rectifiedProductsJacobianPattern([0.5, -1, 2]);
  expect(pattern).toEqual([[0, 1], [1], [0, 2]]);
});

test("springs on disjoint points share directions; a dense row takes one per column", () => {
  const points = Array.from({ length: 8 }, (_, i) => Float64Array.of(i, 0.5 * i, -i));
  const pairs = [
    [0, 1],
    [2, 3],
    [4, 5],
    [6, 7],
  ];
  expect(springLengthsJacobianSparse(points, pairs).colours).toBe(6);
  // 40 columns: two words of a set, and two blocks of directions (32 and 8)
  const x = Float64Array.from({ length: 40 }, (_, i) => 0.1 * i);
  const { jacobian, colours } = chainEnergyJacobianSparse(x);
  expect(colours).toBe(40);
  expect(Array.from(jacobian.columnIndices)).toEqual(Array.from({ length: 40 }, (_, j) => j));
});

test("a diagonal Hessian takes one product and a tridiagonal one three, at any size", () => {
  for (const n of [1, 40, 100]) {
    const x = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    const diagonal = softplusSumHessianSparse(x);
    expect(diagonal.colours).toBe(1);
    expect(Array.from(diagonal.hessian.columnIndices)).toEqual(Array.from({ length: n }, (_, i) => i));
    const chain = chainEnergyHessianSparse(Float64Array.from({ length: n }, (_, i) => 0.9 * i));
    expect(chain.colours).toBe(Math.min(n, 3));
    expect(chain.hessian.values.length).toBe(n === 1 ? 0 : 3 * n - 2);
  }
});

test("pairs out of reach at the point add no block", () => {
  const points = [Float64Array.of(0, 0), Float64Array.of(0.5, 0.1), Float64Array.of(3, 3), Float64Array.of(3.2, 3.1)];
  const { hessian, colours } = pairPotentialHessianSparse(points, 1);
  // two 4 x 4 blocks: points 0 and 1, points 2 and 3
  expect(hessian.values.length).toBe(32);
  expect(colours).toBe(4);
});

test("an arrow Hessian takes two products: its dense row is read from the mirrored column", () => {
  for (const n of [3, 50]) {
    const x = Array.from({ length: n }, (_, i) => 0.1 * i - 1.05);
    const { hessian, colours } = scaledNormHessianSparse(x, 1.5);
    expect(colours).toBe(2);
    // each coordinate's row holds itself and the scale; the scale's row, everything
    expect(hessian.rowStarts[n]).toBe(2 * n);
    expect(hessian.values.length).toBe(3 * n + 1);
    // the scale's row, read from the scale's column: 2 x[i] for each coordinate, 2 on the diagonal
    const scaleRow = Array.from(hessian.values.subarray(hessian.rowStarts[n]!));
    expect(scaleRow).toEqual([...x.map((v) => 2 * v), 2]);
  }
});

/** Compressed sparse rows against a dense matrix computed a direction at a time: each entry the
 * dense one (NaN included), each entry left out 0 or NaN there (infinity times zero). */
function expectEntriesOf(
  m: { rows: number; rowStarts: Int32Array; columnIndices: Int32Array; values: Float64Array },
  dense: number[][],
): void {
  dense.forEach((row, i) => {
    const columns = Array.from(m.columnIndices.subarray(m.rowStarts[i]!, m.rowStarts[i + 1]!));
    row.forEach((entry, j) => {
      const at = columns.indexOf(j);
      if (at < 0) expect(entry === 0 || Number.isNaN(entry), `[${i}][${j}] = ${entry} is left out`).toBe(true);
      else expect(m.values[m.rowStarts[i]! + at], `[${i}][${j}]`).toBe(entry);
    });
  });
}

test("where a derivative is infinite, each sparse entry is the dense one, NaN only where it is", () => {
  // d/dx0 sqrt(x0) is infinite at 0: column 0 shares its one direction with column 2 (at the
  // point, row 0 holds only column 0 and row 1 only column 2), and w = 0 multiplies the
  // infinity into row 1, where the mixed lane would be NaN
  const x = Float64Array.of(0, 2, 1);
  const sparse = rootAndSumJacobianSparse(x, 0);
  expect(sparse.colours).toBe(1);
  // (forward mode's own NaN, infinity times a zero tangent, where row 1 reads column 2)
  expect(Array.from(sparse.jacobian.values)).toEqual([Infinity, NaN]);
  expectEntriesOf(sparse.jacobian, rootAndSumJacobianForward(x, 0).jacobian);
  for (const point of [Float64Array.of(0, 1, 2), Float64Array.of(1, 0, 2)])
    expectEntriesOf(rootProductsHessianSparse(point).hessian, rootProductsHessian(point).hessian);
});
