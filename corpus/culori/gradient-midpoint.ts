import { interpolate, type Rgb } from "culori";

/**
 * The midpoint of a two-stop gradient interpolated in Lab, against the colour a designer
 * picked for the middle: fits the first stop.
 * @differentiable
 */
export function gradientMidpoint(r: number, g: number, b: number): number {
  const end: Rgb = { mode: "rgb", r: 0.9, g: 0.8, b: 0.1 };
  const mix = interpolate([{ mode: "rgb", r, g, b }, end], "lab")(0.5);
  return (mix.l - 60) ** 2 + (mix.a - 10) ** 2 + (mix.b - 30) ** 2;
}
