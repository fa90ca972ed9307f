import { differenceEuclidean } from "culori";

/**
 * Euclidean distance in Oklab between a colour given in HSL and a target: the loss of a
 * palette-extraction step.
 * @differentiable
 */
export function oklabDistance(h: number, s: number, l: number): number {
  const distance = differenceEuclidean("oklab");
  return distance({ mode: "hsl", h, s, l }, { mode: "rgb", r: 0.8, g: 0.3, b: 0.3 }) ** 2;
}
