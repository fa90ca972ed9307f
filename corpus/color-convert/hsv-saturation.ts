import convert from "color-convert";

/**
 * Saturation and value of an RGB colour in HSV against a target: a tint adjustment.
 * @differentiable
 */
export function hsvSaturation(r: number, g: number, b: number): number {
  const [, s, v] = convert.rgb.hsv.raw(r, g, b);
  return (s - 50) ** 2 + (v - 70) ** 2;
}
