import { easeElasticOut } from "d3-ease";

/**
 * An elastic ease-out with amplitude a and period p: the squared distance from 1 (settled)
 * summed over the last third of the animation, which a wobbly UI wants small.
 * @differentiable
 */
export function elasticSettle(amplitude: number, period: number): number {
  const ease = easeElasticOut.amplitude(amplitude).period(period);
  let wobble = 0;
  for (let i = 0; i < 10; i++) {
    const t = 2 / 3 + i / 30;
    wobble += (ease(t) - 1) ** 2;
  }
  return wobble;
}
