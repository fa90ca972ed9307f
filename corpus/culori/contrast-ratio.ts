import { wcagContrast } from "culori";

/**
 * How far the WCAG contrast ratio of a grey text colour on a blue background is from 4.5, the
 * AA minimum: accessible theme generation.
 * @differentiable
 */
export function contrastRatio(grey: number): number {
  const text = { mode: "rgb" as const, r: grey, g: grey, b: grey };
  const background = { mode: "rgb" as const, r: 0.1, g: 0.2, b: 0.5 };
  return (wcagContrast(text, background) - 4.5) ** 2;
}
