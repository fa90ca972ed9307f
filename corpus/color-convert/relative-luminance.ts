import convert from "color-convert";

/**
 * Luminance Y of an RGB colour through the library's RGB to XYZ conversion, against the
 * luminance a contrast requirement needs.
 * @differentiable
 */
export function relativeLuminance(r: number, g: number, b: number): number {
  const [, y] = convert.rgb.xyz.raw(r, g, b);
  return (y - 18) ** 2;
}
