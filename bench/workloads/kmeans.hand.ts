/**
 * GradBench's kmeans objective (`cost` in gradbench/evals/kmeans.ts) with its derivatives written
 * by hand, for comparison with the generated module: it exports `cost`, `costGrad` and
 * `costHessianDiagonal` with the same parameters and results, so that it can stand in for the
 * generated module in the GradBench tool's adapter (`dir` calls `costHessianDiagonal`).
 *
 * The cost is the sum over the points p_i of the squared distance to the closest centroid. Each
 * point adds |c_j - p_i|^2 for its closest centroid c_j, whose gradient with respect to c_j is
 * 2 (c_j - p_i) and whose Hessian is 2 I; which centroid is closest does not change with a small
 * move of the centroids (away from ties), so it has no derivative. The gradient for centroid j
 * is 2 (count_j c_j - sum of its points), the Hessian's diagonal 2 count_j in every coordinate.
 */

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let l = 0; l < a.length; l++) sum += (a[l] - b[l]) * (a[l] - b[l]);
  return sum;
}

/** The index of the centroid closest to `point` (the first of equally close ones). */
function closestCentroid(point: Float64Array, centroids: Float64Array[]): number {
  let closest = Infinity;
  let closestIndex = -1;
  for (let j = 0; j < centroids.length; j++) {
    const distance = squaredDistance(point, centroids[j]);
    if (distance < closest) {
      closest = distance;
      closestIndex = j;
    }
  }
  return closestIndex;
}

export function cost(points: Float64Array[], centroids: Float64Array[]): number {
  let total = 0;
  for (const point of points) total += squaredDistance(point, centroids[closestCentroid(point, centroids)]);
  return total;
}

export function costGrad(
  points: Float64Array[],
  centroids: Float64Array[],
): { value: number; grad: { centroids: Float64Array[] } } {
  const grad = centroids.map((c) => new Float64Array(c.length));
  let value = 0;
  for (const point of points) {
    const j = closestCentroid(point, centroids);
    const centroid = centroids[j];
    value += squaredDistance(point, centroid);
    for (let l = 0; l < point.length; l++) grad[j][l] += 2 * (centroid[l] - point[l]);
  }
  return { value, grad: { centroids: grad } };
}

export function costHessianDiagonal(
  points: Float64Array[],
  centroids: Float64Array[],
): { value: number; grad: { centroids: Float64Array[] }; hessianDiagonal: { centroids: Float64Array[] } } {
  const grad = centroids.map((c) => new Float64Array(c.length));
  const hessianDiagonal = centroids.map((c) => new Float64Array(c.length));
  let value = 0;
  for (const point of points) {
    const j = closestCentroid(point, centroids);
    const centroid = centroids[j];
    value += squaredDistance(point, centroid);
    for (let l = 0; l < point.length; l++) {
      grad[j][l] += 2 * (centroid[l] - point[l]);
      hessianDiagonal[j][l] += 2;
    }
  }
  return { value, grad: { centroids: grad }, hessianDiagonal: { centroids: hessianDiagonal } };
}
