/**
 * GradBench's `gmm` eval (from ADBench): the negative log-likelihood of n points in d dimensions
 * under a mixture of k Gaussians, plus a Wishart prior on the precision matrices.
 *
 * Component ik has weight parameter alpha[ik], mean mu[ik] and precision matrix Q^T Q, where the
 * lower triangular Q has the diagonal exp(q[ik]) and below it the d(d-1)/2 entries l[ik], column
 * by column. `objective` is the log-likelihood, `jacobian` its gradient with respect to alpha, mu,
 * q and l. The computation follows the reference (gmm.hpp) step for step.
 */
import type { int } from "adjoint";

/** The largest of the first n elements of x. */
function arrMax(n: int, x: Float64Array): number {
  let m = x[0];
  for (let i = 1; i < n; i++) {
    if (m < x[i]) {
      m = x[i];
    }
  }
  return m;
}

/** log(sum_i exp(x[i])) for the first n elements of x, computed the stable way. */
function logsumexp(n: int, x: Float64Array): number {
  const mx = arrMax(n, x);
  let semx = 0;
  for (let i = 0; i < n; i++) {
    semx = semx + Math.exp(x[i] - mx);
  }
  return Math.log(semx) + mx;
}

/** log Gamma(x) for x > 0, by the Lanczos approximation (g = 7, 9 terms). */
function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = coefficients[0];
  for (let i = 1; i < 9; i++) {
    sum += coefficients[i] / (z + i);
  }
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The log of the multivariate gamma function Gamma_p(a). */
function logGammaDistrib(a: number, p: int): number {
  let out = 0.25 * p * (p - 1) * Math.log(Math.PI);
  for (let j = 1; j <= p; j++) {
    out = out + logGamma(a + 0.5 * (1 - j));
  }
  return out;
}

/** The squared norm of the `count` elements of x from `offset` on. */
function sqnorm(count: int, x: Float64Array, offset: int): number {
  let s = 0;
  for (let i = 0; i < count; i++) {
    s = s + x[offset + i] * x[offset + i];
  }
  return s;
}

/** The log of the Wishart prior on the k precision matrices. */
function logWishartPrior(
  d: int,
  k: int,
  gamma: number,
  m: int,
  sumQs: Float64Array,
  qDiags: Float64Array,
  l: Float64Array[],
): number {
  const n = d + m + 1;
  const lSize = (d * (d - 1)) / 2;
  const c = n * d * (Math.log(gamma) - 0.5 * Math.log(2)) - logGammaDistrib(0.5 * n, d);
  let out = 0;
  for (let ik = 0; ik < k; ik++) {
    const lk = l[ik];
    const frobenius = sqnorm(d, qDiags, ik * d) + sqnorm(lSize, lk, 0);
    out = out + 0.5 * gamma * gamma * frobenius - m * sumQs[ik];
  }
  return -out + k * c;
}

/**
 * out = Q x for the lower triangular Q with diagonal qDiag[offset .. offset + d - 1] and the
 * strictly lower part ltri, column by column.
 */
function qTimesX(d: int, qDiag: Float64Array, offset: int, ltri: Float64Array, x: Float64Array, out: Float64Array): void {
  for (let id = 0; id < d; id++) {
    out[id] = qDiag[offset + id] * x[id];
  }
  let lIndex = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      out[j] = out[j] + ltri[lIndex] * x[i];
      lIndex++;
    }
  }
}

/** @differentiable(wrt: alpha, mu, q, l) */
export function gmmObjective(
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
): number {
  const constant = -n * d * 0.5 * Math.log(2 * Math.PI);

  const qDiags = new Float64Array(d * k);
  const sumQs = new Float64Array(k);
  for (let ik = 0; ik < k; ik++) {
    const qk = q[ik];
    for (let id = 0; id < d; id++) {
      qDiags[ik * d + id] = Math.exp(qk[id]);
      sumQs[ik] += qk[id];
    }
  }

  const xCentered = new Float64Array(d);
  const qxCentered = new Float64Array(d);
  const mainTerm = new Float64Array(k);
  let slse = 0;
  for (let ix = 0; ix < n; ix++) {
    const xi = x[ix];
    for (let ik = 0; ik < k; ik++) {
      const muk = mu[ik];
      for (let id = 0; id < d; id++) {
        xCentered[id] = xi[id] - muk[id];
      }
      qTimesX(d, qDiags, ik * d, l[ik], xCentered, qxCentered);
      mainTerm[ik] = alpha[ik] + sumQs[ik] - 0.5 * sqnorm(d, qxCentered, 0);
    }
    slse += logsumexp(k, mainTerm);
  }

  const lseAlpha = logsumexp(k, alpha);
  const err = constant + slse - n * lseAlpha;
  return err + logWishartPrior(d, k, gamma, m, sumQs, qDiags, l);
}
