// The canary decision, kept pure: champion and candidate compared on the labelled feedback of the
// requests each answered during the canary (the same traffic, split by key), as accuracy.
// Not enough labels on either side → hold. Roll back only when the candidate is worse by more
// than the margin and the loss is significant (one-sided z-test, the drift gate's); promote only
// when it is at least as accurate and a loss beyond the margin is ruled out at the same level
// (non-inferiority). Anything else holds for more labels: with 200 labels a side, accuracies of
// 0.90 and 0.85 are still within noise of each other (standard error about 0.03).

import { formatNumber } from '../stages/lib/format.js';
import { worsePValue, type MetricSample } from '../stages/lib/significance.js';

/** What one model did during the canary. */
export interface VersionTally {
  version: string;
  /** Requests it answered (rows scored) as an arm of the canary. */
  requests: number;
  /** Of those, rows with a true label from feedback. */
  labelled: number;
  /** Labelled rows whose prediction was the label. */
  correct: number;
}

export interface CanaryPolicy {
  /** Labelled rows each model needs before anything is decided. */
  minLabelled: number;
  /** Accuracy the candidate may lose against the champion before it is rolled back. */
  margin: number;
  /** The largest p-value taken as evidence, for a rollback and for a promotion alike. */
  pThreshold: number;
}

export type CanaryVerdict = 'promote' | 'hold' | 'rollback';

export interface CanaryDecision {
  verdict: CanaryVerdict;
  reason: string;
  champion: VersionTally & { accuracy: number | null };
  candidate: VersionTally & { accuracy: number | null };
  /** Candidate accuracy minus champion accuracy, when both have enough labels. */
  difference: number | null;
}

/** Accuracies are ratios of counts: 0.88 - 0.9 must count as exactly -0.02, not a hair below. */
const ROUNDING = 1e-9;

const accuracy = (t: VersionTally): number | null => (t.labelled === 0 ? null : t.correct / t.labelled);

export function decideCanary(champion: VersionTally, candidate: VersionTally, policy: CanaryPolicy): CanaryDecision {
  const base = { champion: { ...champion, accuracy: accuracy(champion) }, candidate: { ...candidate, accuracy: accuracy(candidate) } };
  const short = [champion, candidate].filter((t) => t.labelled < policy.minLabelled);
  if (short.length > 0) {
    const counts = `champion ${champion.labelled}, candidate ${candidate.labelled} labelled rows; ${policy.minLabelled} needed for each`;
    return { ...base, verdict: 'hold', difference: null, reason: `not enough labels: ${counts}` };
  }
  const k = base.champion.accuracy!;
  const c = base.candidate.accuracy!;
  const difference = c - k;
  const sample = (t: VersionTally, value: number): MetricSample => ({ value, rows: t.labelled });
  // Evidence of a loss: the candidate below the champion. Evidence against a loss beyond the
  // margin: the champion's accuracy less the margin below the candidate's.
  const pLoss = worsePValue(sample(champion, k), sample(candidate, c), true);
  const pNoLossBeyondMargin = worsePValue(sample(candidate, c), sample(champion, Math.max(0, k - policy.margin)), true);
  const p = (x: number) => `p = ${formatNumber(x)}`;
  const level = `the level ${policy.pThreshold}`;
  const compared = `candidate accuracy ${formatNumber(c)} vs champion ${formatNumber(k)} (difference ${formatNumber(difference)})`;
  const decision = (verdict: CanaryVerdict, why: string): CanaryDecision => ({ ...base, verdict, difference, reason: `${compared}: ${why}` });
  if (difference < -policy.margin - ROUNDING) {
    return pLoss <= policy.pThreshold
      ? decision('rollback', `worse by more than the margin ${policy.margin}, significantly (${p(pLoss)}) → roll back`)
      : decision('hold', `worse by more than the margin ${policy.margin}, but not significantly yet (${p(pLoss)} > ${level}) → hold for more labels`);
  }
  if (difference >= -ROUNDING) {
    return pNoLossBeyondMargin <= policy.pThreshold
      ? decision('promote', `at least as accurate, and a loss beyond the margin ${policy.margin} is ruled out (${p(pNoLossBeyondMargin)}) → promote`)
      : decision('hold', `at least as accurate, but a loss beyond the margin ${policy.margin} is not ruled out yet (${p(pNoLossBeyondMargin)} > ${level}) → hold for more labels`);
  }
  return decision('hold', `worse, but within the margin ${policy.margin}; inconclusive → hold for more labels`);
}
