import Matter from "matter-js";

const { Bodies, Body, Composite, Engine } = Matter;

/**
 * A box launched with velocity (vx, vy) in a matter-js engine (default gravity, air friction),
 * updated for 30 frames: its distance from a target. The loss of a launcher's aim.
 * @differentiable
 */
export function engineUpdate(vx: number, vy: number): number {
  const engine = Engine.create();
  const box = Bodies.rectangle(0, 0, 20, 20);
  Composite.add(engine.world, box);
  Body.setVelocity(box, { x: vx, y: vy });
  for (let i = 0; i < 30; i++) Engine.update(engine, 1000 / 60);
  return ((box.position.x - 150) ** 2 + (box.position.y + 20) ** 2) / 100;
}
