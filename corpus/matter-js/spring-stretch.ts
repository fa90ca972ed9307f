import Matter from "matter-js";

/**
 * Energy of a spring constraint of rest length `length` between two bodies' positions.
 * @differentiable(wrt: ax, ay)
 */
export function springStretch(ax: number, ay: number, bx: number, by: number, length: number): number {
  const delta = Matter.Vector.sub({ x: bx, y: by }, { x: ax, y: ay });
  const stretch = Matter.Vector.magnitude(delta) - length;
  return 0.5 * stretch * stretch;
}
