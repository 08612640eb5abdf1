// The drift statistics, in one registry: each entry says which kinds of feature it applies to,
// how to compute its score, which params.yaml key under `drift:` holds its threshold, and how
// to read the score (a p-value drifts at or below the threshold, a distance at or above it).
// The analysis, the params check, the report and the gates' `drifted_by` counts all loop over
// this list, so a new statistic is one `registerDriftStatistic` call (and its threshold in
// params.yaml).

import type { FeatureKind } from './dataset.js';
import {
  binnedShares, categoryShares, chiSquareTest, jensenShannonDistance, meanShiftZScore, normalizedWasserstein, populationStabilityIndex,
} from './drift-stats.js';
import { ks2Samp } from './ks.js';

/** What a statistic's compute gets besides the two samples (missing readings removed). */
export interface StatisticContext {
  kind: FeatureKind;
  psiBins: number;
  psiEpsilon: number;
}

export interface StatisticResult {
  score: number;
  /** Extra numbers for the report (e.g. the KS statistic beside its p-value). */
  details?: Record<string, number | string | null>;
}

export interface DriftStatistic {
  /** The method name in params.yaml (`drift.numerical_method`) and in reports. */
  id: string;
  /** How the report names the score ("KS p-value"). */
  label: string;
  kinds: readonly FeatureKind[];
  scale: 'p-value' | 'distance';
  /** Key under `drift:` in params.yaml holding the threshold. */
  thresholdParam: string;
  /** Largest allowed threshold (1 for p-values and bounded distances). */
  thresholdMax?: number;
  compute(reference: readonly number[], current: readonly number[], ctx: StatisticContext): StatisticResult;
}

/** PSI with one bin per category (shares below epsilon raised to epsilon). */
export function categoricalPsi(ref: readonly number[], cur: readonly number[], epsilon: number): number {
  const c = categoryShares(ref, cur, 0);
  let psi = 0;
  for (let i = 0; i < c.categories.length; i++) {
    const r = Math.max(c.reference[i]!, epsilon);
    const k = Math.max(c.current[i]!, epsilon);
    psi += (k - r) * Math.log(k / r);
  }
  return psi;
}

const BUILT_IN: DriftStatistic[] = [
  {
    id: 'ks', label: 'KS p-value', kinds: ['numerical'], scale: 'p-value', thresholdParam: 'ks_p_threshold', thresholdMax: 1,
    compute: (ref, cur) => {
      const r = ks2Samp(ref, cur);
      return { score: r.pValue, details: { ks_statistic: r.statistic, ks_p_value: r.pValue, ks_method: r.method } };
    },
  },
  {
    id: 'wasserstein', label: 'normalised Wasserstein distance', kinds: ['numerical'], scale: 'distance', thresholdParam: 'wasserstein_threshold',
    compute: (ref, cur) => {
      const w = normalizedWasserstein(ref, cur);
      return { score: w, details: { wasserstein_normed: w } };
    },
  },
  {
    id: 'zscore', label: 'mean-shift z-score', kinds: ['numerical'], scale: 'distance', thresholdParam: 'z_threshold',
    compute: (ref, cur) => {
      const z = meanShiftZScore(ref, cur);
      return { score: z, details: { z_score: z } };
    },
  },
  {
    id: 'chisquare', label: 'chi-square p-value', kinds: ['categorical'], scale: 'p-value', thresholdParam: 'chisquare_p_threshold', thresholdMax: 1,
    compute: (ref, cur) => {
      const c = chiSquareTest(ref, cur);
      return { score: c.pValue, details: { chisquare_statistic: c.statistic, chisquare_p_value: c.pValue, chisquare_df: c.df } };
    },
  },
  {
    id: 'jensenshannon', label: 'Jensen-Shannon distance', kinds: ['numerical', 'categorical'], scale: 'distance', thresholdParam: 'js_threshold', thresholdMax: 1,
    compute: (ref, cur, ctx) => {
      const shares = ctx.kind === 'numerical' ? binnedShares(ref, cur) : categoryShares(ref, cur);
      return { score: jensenShannonDistance(shares.reference, shares.current) };
    },
  },
  {
    id: 'psi', label: 'PSI', kinds: ['numerical', 'categorical'], scale: 'distance', thresholdParam: 'psi_threshold',
    compute: (ref, cur, ctx) => ({
      score: ctx.kind === 'numerical' ? populationStabilityIndex(ref, cur, ctx.psiBins, ctx.psiEpsilon).psi : categoricalPsi(ref, cur, ctx.psiEpsilon),
    }),
  },
];

const registry = new Map<string, DriftStatistic>(BUILT_IN.map((s) => [s.id, s]));

/** Add a statistic (an id already registered is an error: ids name methods in params.yaml). */
export function registerDriftStatistic(statistic: DriftStatistic): void {
  if (registry.has(statistic.id) || statistic.id === 'auto') throw new Error(`drift statistic '${statistic.id}' is already registered`);
  registry.set(statistic.id, statistic);
}

export function driftStatistics(): DriftStatistic[] {
  return [...registry.values()];
}

export function driftStatistic(id: string): DriftStatistic | undefined {
  return registry.get(id);
}

/** The statistics that apply to a kind of feature. */
export function statisticsFor(kind: FeatureKind): DriftStatistic[] {
  return driftStatistics().filter((s) => s.kinds.includes(kind));
}

/** Whether `score` is drift under `threshold`, by the statistic's scale. */
export function isDrift(statistic: DriftStatistic, score: number, threshold: number): boolean {
  return statistic.scale === 'p-value' ? score <= threshold : score >= threshold;
}
