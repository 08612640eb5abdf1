// Is a metric measured on one sample of rows significantly worse than on another? A one-sided
// z-test on two means of per-row values in [0, 1]. Their variance is at most m(1 − m) (the
// Bhatia–Davis bound), which is exact for accuracy (a proportion) and an upper bound for the
// score MSE and MAE, so the test never calls noise significant because a variance was
// underestimated. F1 (2TP / (2TP + FP + FN)) is read as a proportion over TP + FP + FN rows.

import { regularizedGammaQ } from './special.js';

/** P(Z ≥ z) for a standard normal Z. */
export function normalSf(z: number): number {
  if (!Number.isFinite(z)) return z > 0 ? 0 : 1;
  const tail = 0.5 * regularizedGammaQ(0.5, (z * z) / 2);
  return z >= 0 ? tail : 1 - tail;
}

/** One metric on `rows` rows. */
export interface MetricSample {
  value: number;
  rows: number;
}

/**
 * One-sided p-value that `worse` is worse than `baseline` (`higherIsBetter`: accuracy, F1; not:
 * MSE, MAE). 1 when a sample is empty or the difference goes the other way.
 */
export function worsePValue(baseline: MetricSample, worse: MetricSample, higherIsBetter: boolean): number {
  if (baseline.rows <= 0 || worse.rows <= 0) return 1;
  const variance = (s: MetricSample) => Math.max(0, Math.min(1, s.value) * (1 - Math.min(1, s.value))) / s.rows;
  const diff = higherIsBetter ? baseline.value - worse.value : worse.value - baseline.value;
  if (diff <= 0) return 1;
  const se = Math.sqrt(variance(baseline) + variance(worse));
  // Both samples at 0 or 1: no spread, any difference is certain.
  return se === 0 ? 0 : normalSf(diff / se);
}
