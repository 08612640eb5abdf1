// Every statistic the drift stage reports, against values computed independently with SciPy
// 1.17 / NumPy 2.4 (the Python that produced each expected value is pasted beside it).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ks2Samp, KS_EXACT_MAX_N } from '../../stages/lib/ks.js';
import { chiSquareSf, kolmogorovSf, logGamma } from '../../stages/lib/special.js';
import {
  binnedShares, chiSquareTest, jensenShannonDistance, meanShiftZScore, normalizedWasserstein, populationStabilityIndex,
  wassersteinDistance,
} from '../../stages/lib/drift-stats.js';
import { histogramCounts, quantileSorted, sortedCopy, sturgesEdges } from '../../stages/lib/stats.js';
import { rocAuc } from '../../stages/lib/metrics.js';

/** Relative closeness, with an absolute floor for values near zero. */
function close(actual: number, expected: number, rel = 1e-9, abs = 1e-15): void {
  const ok = Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected));
  assert.ok(ok, `expected ${expected}, got ${actual} (diff ${actual - expected})`);
}

// Shared deterministic samples (same formulas in the Python snippets).
const X300 = Array.from({ length: 300 }, (_, i) => ((i * 37) % 101) / 10);
const Y200 = Array.from({ length: 200 }, (_, j) => ((j * 53) % 97) / 10 + 1.5);

describe('two-sample Kolmogorov-Smirnov (scipy.stats.ks_2samp, method=auto)', () => {
  // from scipy import stats
  // a = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 6.0]
  // b = [2.0, 3.0, 3.0, 4.0, 7.0, 8.0, 8.0, 9.0]
  // print(repr(stats.ks_2samp(a, b).statistic), repr(stats.ks_2samp(a, b).pvalue))
  // -> 0.5 0.19576306046894285
  test('ties, unequal sizes (exact lattice-path method)', () => {
    const r = ks2Samp([1, 2, 2, 3, 4, 5, 5, 5, 6], [2, 3, 3, 4, 7, 8, 8, 9]);
    close(r.statistic, 0.5);
    close(r.pValue, 0.19576306046894285, 1e-12);
    assert.equal(r.method, 'exact');
  });

  // a = [0.1, 0.5, 0.9, 1.3, 2.0]
  // b = [1.0, 1.5, 2.5, 3.0, 3.5]
  // -> 0.6 0.35714285714285715
  test('small equal sizes (exact square method)', () => {
    const r = ks2Samp([0.1, 0.5, 0.9, 1.3, 2.0], [1.0, 1.5, 2.5, 3.0, 3.5]);
    close(r.statistic, 0.6);
    close(r.pValue, 0.35714285714285715, 1e-12);
  });

  // x = [(i * 37 % 101) / 10 for i in range(300)]
  // y = [(j * 53 % 97) / 10 + 1.5 for j in range(200)]
  // -> 0.15 0.008336939675395796
  test('300 vs 200 values, significant shift', () => {
    const r = ks2Samp(X300, Y200);
    close(r.statistic, 0.15);
    close(r.pValue, 0.008336939675395796, 1e-9);
  });

  // x = [(i * 37 % 101) / 10 for i in range(400)]
  // y = [(j * 53 % 97) / 10 + 0.9 for j in range(400)]
  // -> 0.095 0.054052912731737235
  test('400 vs 400 values, borderline', () => {
    const x = Array.from({ length: 400 }, (_, i) => ((i * 37) % 101) / 10);
    const y = Array.from({ length: 400 }, (_, j) => ((j * 53) % 97) / 10 + 0.9);
    const r = ks2Samp(x, y);
    close(r.statistic, 0.095);
    close(r.pValue, 0.054052912731737235, 1e-9);
  });

  // x = [float(i % 7) for i in range(1200)]
  // y = [float((i * 3) % 8) for i in range(900)]
  // -> 0.12444444444444444 2.1716460658654183e-07
  test('heavy ties, 1200 vs 900', () => {
    const x = Array.from({ length: 1200 }, (_, i) => i % 7);
    const y = Array.from({ length: 900 }, (_, i) => (i * 3) % 8);
    const r = ks2Samp(x, y);
    close(r.statistic, 0.12444444444444444);
    close(r.pValue, 2.1716460658654183e-7, 1e-8);
  });

  test('identical samples give statistic 0 and p = 1', () => {
    const r = ks2Samp([1, 1, 1], [1, 1]);
    assert.equal(r.statistic, 0);
    assert.equal(r.pValue, 1);
  });

  // Beyond 10,000 values SciPy uses kstwo(round(en)); we use its limit, the Kolmogorov
  // distribution: from scipy import special; special.kolmogorov(y)
  // [special.kolmogorov(v) for v in (0.3, 0.8, 1.0, 1.36, 2.0)]
  // -> 0.9999906941986655 0.5441424115741981 0.26999967167735456 0.049485876755377876 0.0006709252557796953
  test('Kolmogorov limiting distribution (asymptotic branch)', () => {
    const expected: [number, number][] = [[0.3, 0.9999906941986655], [0.8, 0.5441424115741981], [1.0, 0.26999967167735456],
      [1.36, 0.049485876755377876], [2.0, 0.0006709252557796953]];
    for (const [y, p] of expected) close(kolmogorovSf(y), p, 1e-10);
    const big = Array.from({ length: KS_EXACT_MAX_N + 1 }, (_, i) => i % 1000);
    const r = ks2Samp(big, big.map((v) => v + 5));
    assert.equal(r.method, 'asymp');
    close(r.pValue, kolmogorovSf(Math.sqrt((big.length * big.length) / (2 * big.length)) * r.statistic));
  });
});

describe('chi-square', () => {
  // from scipy import stats
  // [stats.chi2.sf(x, d) for x, d in ((3.84, 1), (10.0, 5), (0.5, 3), (40.0, 23), (200.0, 150))]
  test('survival function (scipy.stats.chi2.sf)', () => {
    const expected: [number, number, number][] = [[3.84, 1, 0.05004352124870519], [10.0, 5, 0.07523524614651217], [0.5, 3, 0.9188914116546758],
      [40.0, 23, 0.015369082400709319], [200.0, 150, 0.003973185970821635]];
    for (const [x, df, p] of expected) close(chiSquareSf(x, df), p, 1e-10);
  });

  // from scipy import special
  // [special.gammaln(v) for v in (0.5, 1.0, 3.7, 10.0, 150.5)]
  test('log-gamma (scipy.special.gammaln)', () => {
    const expected: [number, number][] = [[0.5, 0.5723649429247], [1.0, 0], [3.7, 1.428072326665388], [10.0, 12.801827480081469], [150.5, 602.5139548705853]];
    for (const [x, v] of expected) close(logGamma(x), v, 1e-12, 1e-13);
  });

  // Evidently's test: observed current counts against reference frequencies scaled to the
  // current size.
  // ref = [0, 0, 1, 1, 1, 2, 2, 3, 3, 3]; cur = [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 0, 1]
  // keys = sorted(set(ref) | set(cur)); k = len(cur) / len(ref)
  // stats.chisquare([cur.count(c) for c in keys], [ref.count(c) * k for c in keys])
  // -> statistic 0.36111111111111105, pvalue 0.9481534996715555
  test('goodness of fit, unequal sizes (scipy.stats.chisquare)', () => {
    const r = chiSquareTest([0, 0, 1, 1, 1, 2, 2, 3, 3, 3], [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 0, 1]);
    close(r.statistic, 0.36111111111111105, 1e-12);
    close(r.pValue, 0.9481534996715555, 1e-10);
    assert.equal(r.df, 3);
  });

  // ref = [h for h in range(24) for _ in range(30)]
  // cur = [h for h in range(24) for _ in range(10 + (h >= 8 and h < 18) * 15)]
  // (same chisquare call) -> 80.76923076923077 2.3824013390191123e-08
  test('hours concentrated in office time', () => {
    const ref = Array.from({ length: 24 }, (_, h) => Array<number>(30).fill(h)).flat();
    const cur = Array.from({ length: 24 }, (_, h) => Array<number>(10 + (h >= 8 && h < 18 ? 15 : 0)).fill(h)).flat();
    const r = chiSquareTest(ref, cur);
    close(r.statistic, 80.76923076923077, 1e-12);
    close(r.pValue, 2.3824013390191123e-8, 1e-8);
  });

  test('a category the reference never saw gives p = 0', () => {
    const r = chiSquareTest([1, 1, 2], [1, 2, 3]);
    assert.equal(r.statistic, Infinity);
    assert.equal(r.pValue, 0);
  });
});

describe('distances', () => {
  // from scipy.spatial import distance
  // distance.jensenshannon([0.1, 0.4, 0.5], [0.3, 0.3, 0.4]) -> 0.18035965602712561
  // distance.jensenshannon([1, 2, 3, 0], [0, 2, 3, 5])     -> 0.502100609228825
  test('Jensen-Shannon distance (scipy.spatial.distance.jensenshannon)', () => {
    close(jensenShannonDistance([0.1, 0.4, 0.5], [0.3, 0.3, 0.4]), 0.18035965602712561, 1e-12);
    close(jensenShannonDistance([1, 2, 3, 0], [0, 2, 3, 5]), 0.502100609228825, 1e-12);
    assert.equal(jensenShannonDistance([0.25, 0.25, 0.5], [0.25, 0.25, 0.5]), 0);
  });

  // from scipy import stats
  // stats.wasserstein_distance([0, 1, 3], [5, 6, 8])               -> 5.0
  // stats.wasserstein_distance([1, 1, 2, 5, 5.5], [0.5, 1, 7])     -> 1.2
  // stats.wasserstein_distance(x, y)  (x, y as in the KS 300 vs 200 case) -> 1.2731666666666666
  // import numpy as np; u = np.array([1, 1, 2, 5, 5.5]); v = np.array([0.5, 1, 7])
  // stats.wasserstein_distance(u, v) / np.std(u)                   -> 0.6123724356957946
  test('Wasserstein distance (scipy.stats.wasserstein_distance) and its normalised form', () => {
    close(wassersteinDistance([0, 1, 3], [5, 6, 8]), 5.0, 1e-12);
    close(wassersteinDistance([1, 1, 2, 5, 5.5], [0.5, 1, 7]), 1.2, 1e-12);
    close(wassersteinDistance(X300, Y200), 1.2731666666666666, 1e-12);
    close(normalizedWasserstein([1, 1, 2, 5, 5.5], [0.5, 1, 7]), 0.6123724356957946, 1e-12);
  });
});

describe('PSI, z-score, quantiles and bins (NumPy)', () => {
  // import numpy as np
  // ref = np.array([(i * 37 % 101) / 10 for i in range(300)])
  // cur = np.array([(j * 53 % 97) / 10 + 1.5 for j in range(200)])
  // cuts = np.unique(np.quantile(ref, [i / 10 for i in range(1, 10)]))
  // r = np.maximum(np.bincount(np.searchsorted(cuts, ref, side='left'), minlength=len(cuts) + 1) / len(ref), 1e-4)
  // c = np.maximum(np.bincount(np.searchsorted(cuts, cur, side='left'), minlength=len(cuts) + 1) / len(cur), 1e-4)
  // float(np.sum((c - r) * np.log(c / r)))                      -> 0.8069636376017891
  test('PSI over reference deciles', () => {
    close(populationStabilityIndex(X300, Y200, 10, 1e-4).psi, 0.8069636376017891, 1e-12);
  });

  // ref2 = np.array([1, 1, 1, 1, 2, 2, 3, 9.]); cur2 = np.array([1, 2, 2, 2, 3, 3, 3, 3, 9, 9.])
  // cuts2 = np.unique(np.quantile(ref2, [0.25, 0.5, 0.75]))  -> [1.0, 1.5, 2.25]
  // (same r/c/sum with 4 bins)                                -> 0.9593053008872028
  test('PSI with tied quantiles and a sparse tail', () => {
    const r = populationStabilityIndex([1, 1, 1, 1, 2, 2, 3, 9], [1, 2, 2, 2, 3, 3, 3, 3, 9, 9], 4, 1e-4);
    assert.deepEqual(r.edges, [1.0, 1.5, 2.25]);
    close(r.psi, 0.9593053008872028, 1e-12);
  });

  test('PSI of a sample against itself is 0', () => {
    assert.equal(populationStabilityIndex(X300, X300, 10, 1e-4).psi, 0);
  });

  // float(abs(cur.mean() - ref.mean()) / ref.std())            -> 0.4365722349911745
  test('mean-shift z-score (seed 004), population std', () => {
    close(meanShiftZScore(X300, Y200), 0.4365722349911745, 1e-12);
  });

  // np.quantile(ref, [0.1, 0.25, 0.5, 0.9]) -> [0.9900000000000002, 2.475, 5.0, 9.0]
  test('quantiles (linear interpolation)', () => {
    const s = sortedCopy(X300);
    const got = [0.1, 0.25, 0.5, 0.9].map((q) => quantileSorted(s, q));
    [0.9900000000000002, 2.475, 5.0, 9.0].forEach((e, i) => close(got[i]!, e, 1e-12));
  });

  // edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins='sturges')
  // len(edges), edges[1], edges[-1] -> 11 1.1099999999999999 11.1
  // np.histogram(ref, edges)[0] -> [36, 33, 32, 33, 33, 32, 33, 33, 32, 3]
  // np.histogram(cur, edges)[0] -> [0, 17, 24, 22, 22, 22, 24, 23, 22, 24]
  test('Sturges bins and histogram counts (Evidently binning)', () => {
    const edges = sturgesEdges([...X300, ...Y200]);
    assert.equal(edges.length, 11);
    close(edges[1]!, 1.1099999999999999, 1e-15);
    assert.equal(edges[10], 11.1);
    assert.deepEqual(histogramCounts(X300, edges), [36, 33, 32, 33, 33, 32, 33, 33, 32, 3]);
    assert.deepEqual(histogramCounts(Y200, edges), [0, 17, 24, 22, 22, 22, 24, 23, 22, 24]);
    const b = binnedShares(X300, Y200);
    assert.equal(b.current[0], 0.0001); // Evidently's feel_zeroes
  });
});

describe('ROC AUC', () => {
  // from scipy import stats
  // scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.65, 0.05]
  // labels = [0, 0, 1, 1, 1, 1, 0, 0, 1, 0]
  // pos = [s for s, l in zip(scores, labels) if l == 1]; neg = [s for s, l in zip(scores, labels) if l == 0]
  // stats.mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg))  -> 0.88
  test('rank-based AUC with ties equals Mann-Whitney U / (n1 n0)', () => {
    close(rocAuc([0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.65, 0.05], [0, 0, 1, 1, 1, 1, 0, 0, 1, 0]), 0.88, 1e-12);
  });
});
