/**
 * `@jacobian sparse` compresses as the structure allows (fixtures/sparse-jacobians): the
 * fixture test checks every entry; this checks how few directions the compressed Jacobians take
 * and the patterns found, on functions whose structure is known.
 */
import { expect, test } from "vitest";
import {
  blendedPointsJacobianPattern,
  bvpResidualsJacobianSparse,
  chainEnergyJacobianSparse,
  rectifiedProductsJacobianPattern,
  springLengthsJacobianSparse,
} from "../fixtures/sparse-jacobians/input.grad.js";

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
