import convert from "color-convert";

/**
 * CIE76 colour difference between an RGB colour (channels 0..255) and a brand colour, in Lab:
 * the loss of a palette-matching optimizer.
 * @differentiable
 */
export function labDistance(r: number, g: number, b: number): number {
  const [l, a, bb] = convert.rgb.lab.raw(r, g, b);
  const [tl, ta, tb] = convert.rgb.lab.raw(30, 120, 200);
  return (l - tl) ** 2 + (a - ta) ** 2 + (bb - tb) ** 2;
}
