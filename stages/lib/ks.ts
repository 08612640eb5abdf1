// Two-sample Kolmogorov–Smirnov test, two-sided, following SciPy's `ks_2samp` default
// (method='auto'): the exact null distribution when both samples have at most 10,000 values,
// otherwise an asymptotic approximation.

import { kolmogorovSf } from './special.js';

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

/** Largest sample size for which the exact distribution is computed (SciPy's MAX_AUTO_N). */
export const KS_EXACT_MAX_N = 10000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** sup |F1 − F2| of the two empirical CDFs; inputs sorted ascending. */
export function ksStatisticSorted(x: readonly number[], y: readonly number[]): number {
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    // Step past every copy of the smaller value in both samples, so ties move the two ECDFs
    // together (right-continuous ECDFs, as SciPy's searchsorted(side='right')).
    const v = Math.min(x[i]!, y[j]!);
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  return d;
}

/**
 * P(D ≥ h/n) for two samples of equal size n: the alternating reflection sum over
 * binomial ratios, evaluated Horner-fashion to avoid cancellation.
 */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D ≥ h/lcm(m,n)) for sizes m, n: the share of lattice paths from (0,0) to (m,n) that touch
 * |i/m − j/n| ≥ h/lcm. Works with probabilities (not path counts) so nothing overflows:
 * q(i,j) = 1 outside the band, else (i·q(i−1,j) + j·q(i,j−1)) / (i+j).
 */
function probOutsideLattice(m: number, n: number, g: number, h: number): number {
  const mg = m / g;
  const ng = n / g;
  const row = new Float64Array(n + 1);
  for (let i = 0; i <= m; i++) {
    for (let j = 0; j <= n; j++) {
      if (Math.abs(ng * i - mg * j) >= h) row[j] = 1;
      else if (i === 0 && j === 0) row[j] = 0;
      else row[j] = (i * row[j]! + j * (j > 0 ? row[j - 1]! : 0)) / (i + j);
    }
  }
  return row[n]!;
}

/** Two-sided two-sample KS test; throws on an empty sample (caller validates first). */
export function ks2Samp(sample1: readonly number[], sample2: readonly number[]): KsResult {
  const n1 = sample1.length;
  const n2 = sample2.length;
  if (n1 === 0 || n2 === 0) throw new Error('ks2Samp: empty sample');
  const x = [...sample1].sort((a, b) => a - b);
  const y = [...sample2].sort((a, b) => a - b);
  const d = ksStatisticSorted(x, y);
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    const statistic = h / lcm;
    if (h === 0) return { statistic, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideLattice(Math.max(n1, n2), Math.min(n1, n2), g, h);
    if (p >= 0 && p <= 1) return { statistic, pValue: p, method: 'exact' };
  }
  // SciPy uses the finite-n Kolmogorov distribution kstwo(round(en)) here; we use its limit,
  // which differs by O(1/sqrt(en)) — negligible beyond 10,000 values.
  const en = (n1 * n2) / (n1 + n2);
  return { statistic: d, pValue: Math.min(1, Math.max(0, kolmogorovSf(Math.sqrt(en) * d))), method: 'asymp' };
}
