import { converter } from "culori";

/**
 * Perceptual lightness (Oklab L) of an sRGB colour against the lightness of a design token.
 * @differentiable
 */
export function oklabLightness(r: number, g: number, b: number): number {
  const toOklab = converter("oklab");
  const { l } = toOklab({ mode: "rgb", r, g, b });
  return (l - 0.65) ** 2;
}
