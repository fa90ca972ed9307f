/** @differentiable @jacobian */
export function jagged(m: number[][], v: number[]): number[] {
  const out = new Array<number>(m.length).fill(0);
  for (let i = 0; i < m.length; i++) {
    const row = m[i];
    for (let j = 0; j < row.length; j++) out[i] += row[j] * v[j % v.length];
  }
  return out;
}
