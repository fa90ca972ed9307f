import integrate from "integrate-adaptive-simpson";

/**
 * Work done stretching a hardening spring (force k x + c x^3) from 0 to `stretch`, against the
 * energy a measured release gave: identifies k and c.
 * @differentiable(wrt: k, c)
 */
export function nonlinearSpringWork(k: number, c: number, stretch: number, energy: number): number {
  const work = integrate((x) => k * x + c * x ** 3, 0, stretch, 1e-10);
  return (work - energy) ** 2;
}
