// The distribution-shift measures the drift stage reports per feature. Each is a pure function
// of the reference and current samples (missing values already removed).

import { chiSquareSf } from './special.js';
import {
  countBelow, histogramCounts, mean, proportions, quantileSorted, sortedCopy, std, sturgesEdges,
} from './stats.js';

export interface PsiResult {
  psi: number;
  /** Interior cut points (reference quantiles, duplicates removed). */
  edges: number[];
  referenceShares: number[];
  currentShares: number[];
}

/**
 * Population Stability Index over reference-quantile bins: Σ (c − r)·ln(c / r). Bins are
 * (−∞, e1], (e1, e2], …, (e_k, ∞) with e_i the reference's i/bins quantiles; tied quantiles
 * collapse into one edge. Empty bins get share `epsilon` so the logarithm stays finite.
 */
export function populationStabilityIndex(
  reference: readonly number[], current: readonly number[], bins: number, epsilon: number,
): PsiResult {
  const refSorted = sortedCopy(reference);
  const cuts: number[] = [];
  for (let i = 1; i < bins; i++) {
    const q = quantileSorted(refSorted, i / bins);
    if (cuts.length === 0 || q > cuts[cuts.length - 1]!) cuts.push(q);
  }
  const binOf = (v: number): number => countBelow(cuts, v);
  const shares = (values: readonly number[]): number[] => {
    const counts = new Array<number>(cuts.length + 1).fill(0);
    for (const v of values) counts[binOf(v)]!++;
    return counts.map((c) => Math.max(c / values.length, epsilon));
  };
  const r = shares(reference);
  const c = shares(current);
  let psi = 0;
  for (let i = 0; i < r.length; i++) psi += (c[i]! - r[i]!) * Math.log(c[i]! / r[i]!);
  return { psi, edges: cuts, referenceShares: r, currentShares: c };
}

function relativeEntropyTerm(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Jensen–Shannon distance (natural log), as SciPy's `spatial.distance.jensenshannon(p, q)`:
 *  both vectors are normalised to sum 1 first. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2;
    left += relativeEntropyTerm(pi, m);
    right += relativeEntropyTerm(qi, m);
  }
  return Math.sqrt(Math.max(0, (left + right) / 2));
}

/** Evidently's binned shares for a numerical feature: Sturges edges over both samples, empty
 *  bins set to 0.0001 (its `feel_zeroes`). */
export function binnedShares(
  reference: readonly number[], current: readonly number[],
): { edges: number[]; reference: number[]; current: number[] } {
  const edges = sturgesEdges([...reference, ...current]);
  const fill = (xs: number[]): number[] => xs.map((x) => (x === 0 ? 0.0001 : x));
  return {
    edges,
    reference: fill(proportions(histogramCounts(reference, edges))),
    current: fill(proportions(histogramCounts(current, edges))),
  };
}

/** Shares per category over the union of categories (sorted); zero shares become `zeroFill`
 *  (Evidently's 0.0001 by default; pass 0 for the raw shares). */
export function categoryShares(
  reference: readonly number[], current: readonly number[], zeroFill = 0.0001,
): { categories: number[]; reference: number[]; current: number[] } {
  const categories = [...new Set([...reference, ...current])].sort((a, b) => a - b);
  const countsOf = (xs: readonly number[]): number[] => {
    const m = new Map<number, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return categories.map((c) => m.get(c) ?? 0);
  };
  const fill = (xs: number[]): number[] => xs.map((x) => (x === 0 ? zeroFill : x));
  return {
    categories,
    reference: fill(proportions(countsOf(reference))),
    current: fill(proportions(countsOf(current))),
  };
}

/** First Wasserstein (earth mover's) distance between two 1-D samples, as SciPy's
 *  `stats.wasserstein_distance(u, v)`: ∫ |U(x) − V(x)| dx over the merged support. */
export function wassersteinDistance(u: readonly number[], v: readonly number[]): number {
  const us = sortedCopy(u);
  const vs = sortedCopy(v);
  const all = sortedCopy([...u, ...v]);
  let i = 0;
  let j = 0;
  let total = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k]!;
    while (i < us.length && us[i]! <= x) i++;
    while (j < vs.length && vs[j]! <= x) j++;
    total += Math.abs(i / us.length - j / vs.length) * (all[k + 1]! - x);
  }
  return total;
}

/** Wasserstein distance divided by the reference's (population) standard deviation, Evidently's
 *  `wasserstein` drift score; a constant reference gives Infinity, or 0 when nothing moved. */
export function normalizedWasserstein(reference: readonly number[], current: readonly number[]): number {
  const w = wassersteinDistance(reference, current);
  const s = std(reference);
  if (s === 0) return w === 0 ? 0 : Infinity;
  return w / s;
}

/** |mean(current) − mean(reference)| in reference standard deviations (seed 004's z-score). */
export function meanShiftZScore(reference: readonly number[], current: readonly number[]): number {
  const s = std(reference);
  const shift = Math.abs(mean(current) - mean(reference));
  if (s === 0) return shift === 0 ? 0 : Infinity;
  return shift / s;
}

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  df: number;
  categories: number[];
}

/**
 * Chi-square goodness of fit of the current category counts against the reference frequencies
 * scaled to the current size (Evidently's `chisquare` test; SciPy `chisquare(f_obs, f_exp)`).
 * A category absent from the reference but present now gives an infinite statistic, p = 0.
 */
export function chiSquareTest(reference: readonly number[], current: readonly number[]): ChiSquareResult {
  const categories = [...new Set([...reference, ...current])].sort((a, b) => a - b);
  const count = (xs: readonly number[]): Map<number, number> => {
    const m = new Map<number, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const ref = count(reference);
  const cur = count(current);
  const scale = current.length / reference.length;
  let statistic = 0;
  for (const c of categories) {
    const expected = (ref.get(c) ?? 0) * scale;
    const observed = cur.get(c) ?? 0;
    statistic += expected === 0 ? (observed === 0 ? 0 : Infinity) : ((observed - expected) ** 2) / expected;
  }
  const df = categories.length - 1;
  const pValue = df < 1 ? 1 : statistic === Infinity ? 0 : chiSquareSf(statistic, df);
  return { statistic, pValue, df, categories };
}
