/**
 * Hand-written adjoint of GradBench's gmm objective (gradbench/evals/gmm.ts), for comparison with
 * the generated one: it stands in for the generated module, exporting `gmmObjectiveGrad` with the
 * same parameters and result.
 *
 * For each point x, component k's term is main_k = alpha_k + sum(q_k) - 1/2 |v_k|^2 with
 * v_k = Q_k (x - mu_k), and the point adds log(sum_k exp(main_k)). Its adjoint weighs component k
 * by w_k = softmax(main)_k: d alpha_k += w_k, d sum(q_k) += w_k, and with dv = -w_k v_k,
 * d diag(Q_k) += dv * (x - mu_k), d l_k (row j, column i) += dv_j (x - mu_k)_i and
 * d mu_k -= Q_k^T dv. The gradient is accumulated right after each point's forward computation,
 * from x - mu_k and v_k kept in scratch arrays reused for every point, so nothing is stored across
 * points. The adjoint of the diagonal exp(q_k) becomes that of q_k at the end.
 */
import type { int } from "adjoint";

/** log Gamma(x) for x > 0, by the Lanczos approximation (g = 7, 9 terms), as the objective computes it. */
function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = coefficients[0];
  for (let i = 1; i < 9; i++) sum += coefficients[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The constant of the Wishart prior of one component: it does not depend on the parameters. */
function wishartConstant(d: int, gamma: number, m: int): number {
  const n = d + m + 1;
  let logGammaD = 0.25 * d * (d - 1) * Math.log(Math.PI);
  for (let j = 1; j <= d; j++) logGammaD = logGammaD + logGamma(0.5 * n + 0.5 * (1 - j));
  return n * d * (Math.log(gamma) - 0.5 * Math.log(2)) - logGammaD;
}

export function gmmObjectiveGrad(
  d: int,
  k: int,
  n: int,
  alpha: Float64Array,
  mu: Float64Array[],
  q: Float64Array[],
  l: Float64Array[],
  x: Float64Array[],
  gamma: number,
  m: int,
): { value: number; grad: { alpha: Float64Array; mu: Float64Array[]; q: Float64Array[]; l: Float64Array[] } } {
  const dalpha = new Float64Array(k);
  const dmu = mu.map((row) => new Float64Array(row.length));
  const dq = q.map((row) => new Float64Array(row.length));
  const dl = l.map((row) => new Float64Array(row.length));

  // the diagonals exp(q_k) and sums of q_k, and their adjoints
  const qDiag = new Float64Array(k * d);
  const sumQ = new Float64Array(k);
  for (let ik = 0; ik < k; ik++) {
    for (let id = 0; id < d; id++) {
      qDiag[ik * d + id] = Math.exp(q[ik][id]);
      sumQ[ik] += q[ik][id];
    }
  }
  const dqDiag = new Float64Array(k * d);
  const dsumQ = new Float64Array(k);

  // per point: x - mu_k and v_k for every component, the terms, their exponentials, and dv
  const centered = new Float64Array(k * d);
  const v = new Float64Array(k * d);
  const main = new Float64Array(k);
  const e = new Float64Array(k);
  const dv = new Float64Array(d);
  const dcentered = new Float64Array(d);
  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    const xi = x[ix];
    for (let ik = 0; ik < k; ik++) {
      const o = ik * d;
      const muk = mu[ik];
      const lk = l[ik];
      for (let id = 0; id < d; id++) {
        centered[o + id] = xi[id] - muk[id];
        v[o + id] = qDiag[o + id] * centered[o + id];
      }
      let li = 0;
      for (let i = 0; i < d; i++) {
        for (let j = i + 1; j < d; j++) v[o + j] = v[o + j] + lk[li++] * centered[o + i];
      }
      let sq = 0;
      for (let id = 0; id < d; id++) sq = sq + v[o + id] * v[o + id];
      main[ik] = alpha[ik] + sumQ[ik] - 0.5 * sq;
    }
    let max = main[0];
    for (let ik = 1; ik < k; ik++) if (max < main[ik]) max = main[ik];
    let sum = 0;
    for (let ik = 0; ik < k; ik++) {
      e[ik] = Math.exp(main[ik] - max);
      sum = sum + e[ik];
    }
    slse += Math.log(sum) + max;

    for (let ik = 0; ik < k; ik++) {
      const o = ik * d;
      const w = e[ik] / sum;
      dalpha[ik] += w;
      dsumQ[ik] += w;
      const lk = l[ik];
      const dlk = dl[ik];
      for (let id = 0; id < d; id++) {
        dv[id] = -w * v[o + id];
        dqDiag[o + id] += dv[id] * centered[o + id];
        dcentered[id] = qDiag[o + id] * dv[id];
      }
      let li = 0;
      for (let i = 0; i < d; i++) {
        for (let j = i + 1; j < d; j++) {
          dlk[li] += dv[j] * centered[o + i];
          dcentered[i] += lk[li] * dv[j];
          li++;
        }
      }
      const dmuk = dmu[ik];
      for (let id = 0; id < d; id++) dmuk[id] -= dcentered[id];
    }
  }

  // - n log(sum_k exp(alpha_k)): its gradient is -n softmax(alpha)
  let maxAlpha = alpha[0];
  for (let ik = 1; ik < k; ik++) if (maxAlpha < alpha[ik]) maxAlpha = alpha[ik];
  let sumAlpha = 0;
  for (let ik = 0; ik < k; ik++) sumAlpha = sumAlpha + Math.exp(alpha[ik] - maxAlpha);
  for (let ik = 0; ik < k; ik++) dalpha[ik] -= (n * Math.exp(alpha[ik] - maxAlpha)) / sumAlpha;
  const constant = -n * d * 0.5 * Math.log(2 * Math.PI);
  const err = constant + slse - n * (Math.log(sumAlpha) + maxAlpha);

  // the Wishart prior: - sum_k (gamma^2 / 2 (|diag(Q_k)|^2 + |l_k|^2) - m sum(q_k)) + k c
  let prior = 0;
  for (let ik = 0; ik < k; ik++) {
    const o = ik * d;
    const lk = l[ik];
    const dlk = dl[ik];
    let frobenius = 0;
    for (let id = 0; id < d; id++) {
      frobenius = frobenius + qDiag[o + id] * qDiag[o + id];
      dqDiag[o + id] -= gamma * gamma * qDiag[o + id];
    }
    let lNorm = 0;
    for (let i = 0; i < lk.length; i++) {
      lNorm = lNorm + lk[i] * lk[i];
      dlk[i] -= gamma * gamma * lk[i];
    }
    prior = prior + 0.5 * gamma * gamma * (frobenius + lNorm) - m * sumQ[ik];
    dsumQ[ik] += m;
  }
  const value = err + (-prior + k * wishartConstant(d, gamma, m));

  // through diag(Q_k) = exp(q_k) and sum(q_k)
  for (let ik = 0; ik < k; ik++) {
    for (let id = 0; id < d; id++) dq[ik][id] = dqDiag[ik * d + id] * qDiag[ik * d + id] + dsumQ[ik];
  }
  return { value, grad: { alpha: dalpha, mu: dmu, q: dq, l: dl } };
}
