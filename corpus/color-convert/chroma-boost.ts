import convert from "color-convert";

/**
 * A chroma target in LCh for a colour given in HSV: how far its chroma is from the vividness a
 * theme generator wants.
 * @differentiable
 */
export function chromaBoost(h: number, s: number, v: number): number {
  const [r, g, b] = convert.hsv.rgb.raw(h, s, v);
  const [, chroma] = convert.rgb.lch.raw(r, g, b);
  return (chroma - 60) ** 2;
}
