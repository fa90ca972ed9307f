import { converter } from "culori";

/**
 * An HSL colour converted to sRGB, against the RGB a screenshot measured.
 * @differentiable
 */
export function hslToRgb(h: number, s: number, l: number): number {
  const rgb = converter("rgb")({ mode: "hsl", h, s, l });
  return (rgb.r - 0.7) ** 2 + (rgb.g - 0.35) ** 2 + (rgb.b - 0.25) ** 2;
}
