import Matter from "matter-js";

/**
 * Keeps a deformable quadrilateral's area at `target`: the area of its vertices (xs[i], ys[i]),
 * through the engine's own vertex routines.
 * @differentiable(wrt: xs, ys)
 */
export function polygonArea(xs: number[], ys: number[], target: number): number {
  const vertices = xs.map((x, i) => ({ x, y: ys[i]! }));
  const area = Matter.Vertices.area(vertices, false);
  return (area - target) ** 2;
}
