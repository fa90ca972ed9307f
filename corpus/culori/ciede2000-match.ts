import { differenceCiede2000, type Rgb } from "culori";

/**
 * CIEDE2000 difference between an sRGB colour (channels 0..1) and a reference: a perceptual
 * colour-matching loss.
 * @differentiable
 */
export function ciede2000Match(r: number, g: number, b: number): number {
  const deltaE = differenceCiede2000();
  const reference: Rgb = { mode: "rgb", r: 0.2, g: 0.5, b: 0.8 };
  return deltaE({ mode: "rgb", r, g, b }, reference) ** 2;
}
