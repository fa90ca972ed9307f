import Matter from "matter-js";

/**
 * The moment of inertia of a rectangle of width w and height h and mass 1, from the engine's
 * formula for polygons, against the inertia a game designer tuned: the body's shape is fitted.
 * @differentiable
 */
export function momentOfInertia(w: number, h: number): number {
  const corners = [
    { x: -w / 2, y: -h / 2 },
    { x: w / 2, y: -h / 2 },
    { x: w / 2, y: h / 2 },
    { x: -w / 2, y: h / 2 },
  ];
  return (Matter.Vertices.inertia(corners, 1) - 2) ** 2;
}
