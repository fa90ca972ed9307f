import { converter } from "culori";

/** The converter to CIELAB, made once for the module as culori's documentation does. */
const toLab = converter("lab");

/**
 * Squared CIE76 difference between an sRGB colour and the brand's primary colour, in Lab.
 * @differentiable
 */
export function moduleConverter(r: number, g: number, b: number): number {
  const lab = toLab({ mode: "rgb", r, g, b });
  return (lab.l - 52) ** 2 + (lab.a - 20) ** 2 + (lab.b + 40) ** 2;
}
