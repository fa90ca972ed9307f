import convert from "color-convert";

/**
 * An HSL colour picker's output in RGB against the RGB the user sampled: the squared error of
 * the picker's hue, saturation and lightness.
 * @differentiable
 */
export function hslRoundTrip(h: number, s: number, l: number): number {
  const [r, g, b] = convert.hsl.rgb.raw(h, s, l);
  return (r - 180) ** 2 + (g - 90) ** 2 + (b - 60) ** 2;
}
