import Matter from "matter-js";

const { Vertices, Vector } = Matter;

/**
 * The centroid of a polygon with vertices (xs[i], ys[i]), against where a layout wants it.
 * @differentiable(wrt: xs, ys)
 */
export function centroidTarget(xs: number[], ys: number[]): number {
  const vertices = xs.map((x, i) => Vector.create(x, ys[i]!));
  const centre = Vertices.centre(vertices);
  return (centre.x - 1) ** 2 + (centre.y - 0.5) ** 2;
}
