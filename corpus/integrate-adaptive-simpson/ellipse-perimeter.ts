import integrate from "integrate-adaptive-simpson";

/**
 * The perimeter of an ellipse with semi-axes a and b (its arc-length integral), against the
 * length of a track a designer drew.
 * @differentiable
 */
export function ellipsePerimeter(a: number, b: number): number {
  const speed = (t: number) => Math.hypot(a * Math.sin(t), b * Math.cos(t));
  const perimeter = integrate(speed, 0, 2 * Math.PI, 1e-10);
  return (perimeter - 20) ** 2;
}
