/**
 * The energy of a chain of springs between points in 3D, written twice: with a vector class,
 * methods and a callback, as 3D code is usually written, and with plain loops over the
 * coordinates. The benchmark compares the two generated gradients.
 */

class Vec3 {
  constructor(
    public x: number,
    public y: number,
    public z: number,
  ) {}

  sub(other: Vec3): Vec3 {
    return new Vec3(this.x - other.x, this.y - other.y, this.z - other.z);
  }

  length(): number {
    return Math.sqrt(this.x * this.x + this.y * this.y + this.z * this.z);
  }
}

function sumOver(count: number, term: (i: number) => number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += term(i);
  return total;
}

/** @differentiable(wrt: xs) */
export function springsStructured(xs: Float64Array, rest: number, stiffness: number): number {
  const point = (i: number) => new Vec3(xs[3 * i], xs[3 * i + 1], xs[3 * i + 2]);
  const springs = xs.length / 3 - 1;
  return sumOver(springs, (i) => {
    const stretch = point(i + 1).sub(point(i)).length() - rest;
    return 0.5 * stiffness * stretch * stretch;
  });
}

/** @differentiable(wrt: xs) */
export function springsPlain(xs: Float64Array, rest: number, stiffness: number): number {
  const springs = xs.length / 3 - 1;
  let total = 0;
  for (let i = 0; i < springs; i++) {
    const dx = xs[3 * i + 3] - xs[3 * i];
    const dy = xs[3 * i + 4] - xs[3 * i + 1];
    const dz = xs[3 * i + 5] - xs[3 * i + 2];
    const stretch = Math.sqrt(dx * dx + dy * dy + dz * dz) - rest;
    total += 0.5 * stiffness * stretch * stretch;
  }
  return total;
}
