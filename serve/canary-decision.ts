// The canary decision, kept pure: champion and candidate compared on the labelled feedback of the
// requests each answered during the canary (the same traffic, split by key), as accuracy.
// Not enough labels on either side → hold; the candidate worse by more than the margin → roll
// back; at least as accurate as the champion → promote; slightly worse → hold (inconclusive).

import { formatNumber } from '../stages/lib/format.js';

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
  const compared = `candidate accuracy ${formatNumber(c)} vs champion ${formatNumber(k)} (difference ${formatNumber(difference)})`;
  if (difference < -policy.margin - ROUNDING) return { ...base, verdict: 'rollback', difference, reason: `${compared}: worse by more than the margin ${policy.margin} → roll back` };
  if (difference >= -ROUNDING) return { ...base, verdict: 'promote', difference, reason: `${compared}: at least as accurate → promote` };
  return { ...base, verdict: 'hold', difference, reason: `${compared}: worse, but within the margin ${policy.margin}; inconclusive → hold for more labels` };
}
