import Matter from "matter-js";

const { Vector } = Matter;

/**
 * The angle of the impulse a collision between two circles applies (along the line between
 * their centres, from the engine's normalised vectors), against the deflection a trick shot
 * needs: aims the cue ball.
 * @differentiable(wrt: cx, cy)
 */
export function impulseDirection(cx: number, cy: number): number {
  const normal = Vector.normalise(Vector.sub({ x: 3, y: 1 }, { x: cx, y: cy }));
  const deflection = Vector.angle({ x: 0, y: 0 }, Vector.mult(normal, 2));
  const turn = Vector.cross(normal, { x: 1, y: 0 });
  return (deflection - 0.3) ** 2 + 0.1 * turn * turn;
}
