// The champion/challenger decision, kept pure so it can be tested without files.

import type { EnergyEstimate } from './energy.js';
import { formatNumber } from './format.js';
import type { ClassificationMetrics } from './metrics.js';
import type { PromotionMetric } from './params.js';

export interface ModelResult {
  model_id: string;
  metrics: ClassificationMetrics;
  energy: EnergyEstimate;
}

/** Promote only a challenger that beats the champion by the margin (or when there is none).
 *  A metric that is undefined on this hold-out (ROC AUC with one class) never promotes. */
export function promotionVerdict(
  challenger: ModelResult, champion: ModelResult | null, metric: PromotionMetric, margin: number,
): { promote: boolean; difference: number | null; reason: string } {
  const c = challenger.metrics[metric];
  if (!champion) return { promote: true, difference: null, reason: `no champion yet: the challenger (${metric} ${formatNumber(c)}) becomes the first` };
  const k = champion.metrics[metric];
  const difference = c - k;
  if (!Number.isFinite(difference)) return { promote: false, difference: null, reason: `${metric} is undefined on this hold-out; keeping the champion` };
  const promote = difference >= margin;
  const relation = promote ? '≥' : '<';
  return {
    promote,
    difference,
    reason: `challenger ${metric} ${formatNumber(c)} vs champion ${formatNumber(k)}: difference ${formatNumber(difference)} ${relation} margin ${margin}`
      + (promote ? ' → promote' : ' → keep the champion'),
  };
}

