import { Body, Sphere, Vec3, World } from "cannon-es";

/**
 * A ball thrown with velocity (vx, vy) in a cannon-es world (gravity, the default linear
 * damping), stepped for one second at 60 Hz: how far it lands from the basket. The loss of a
 * throw an agent learns.
 * @differentiable
 */
export function worldStep(vx: number, vy: number): number {
  const world = new World({ gravity: new Vec3(0, -9.82, 0) });
  const ball = new Body({ mass: 0.6, shape: new Sphere(0.12), position: new Vec3(0, 2, 0) });
  ball.velocity.set(vx, vy, 0);
  world.addBody(ball);
  for (let i = 0; i < 60; i++) world.step(1 / 60);
  return (ball.position.x - 4) ** 2 + (ball.position.y - 3) ** 2;
}
