/**
 * GradBench's `kmeans` eval: the k-means objective, the sum over the n points of the squared
 * distance to the closest of the k centroids (points and centroids are d-dimensional rows).
 * `cost` is the objective; `dir` is Newton's step direction for the centroids, the gradient
 * divided elementwise by the Hessian's diagonal (the Hessian has nothing off it), both with
 * respect to the centroids.
 */

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let l = 0; l < a.length; l++) {
    sum += (a[l] - b[l]) * (a[l] - b[l]);
  }
  return sum;
}

/**
 * @differentiable(wrt: centroids)
 * @hessian diagonal
 */
export function cost(points: Float64Array[], centroids: Float64Array[]): number {
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    let closest = Infinity;
    for (let j = 0; j < centroids.length; j++) {
      closest = Math.min(closest, squaredDistance(points[i], centroids[j]));
    }
    total += closest;
  }
  return total;
}
