import convert from "color-convert";

/**
 * Total ink coverage of an RGB colour printed in CMYK: a print preflight penalizes coverage
 * above 240%.
 * @differentiable
 */
export function cmykInk(r: number, g: number, b: number): number {
  const [c, m, y, k] = convert.rgb.cmyk.raw(r, g, b);
  return (c + m + y + k - 120) ** 2;
}
