import BezierEasing from "bezier-easing";

/**
 * Scroll-linked animation: the eased progress of a section scrolled `offset` pixels into a
 * viewport of height `span`, against the progress a design specifies.
 * @differentiable(wrt: offset, span)
 */
export function scrollProgress(offset: number, span: number): number {
  const ease = BezierEasing(0.25, 0.1, 0.25, 1);
  const t = Math.min(1, Math.max(0, offset / span));
  return (ease(t) - 0.6) ** 2;
}
