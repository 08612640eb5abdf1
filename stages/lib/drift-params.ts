// The `drift:` section of params.yaml (and the volume trigger the drift verdict reports). Its
// method choices and thresholds come from the drift-statistics registry, so a registered
// statistic is a valid `drift.numerical_method` and its threshold key is checked like the others.

import type { FeatureKind } from './dataset.js';
import { driftStatistics, statisticsFor } from './drift-registry.js';
import { num, oneOf, type RawParams } from './params.js';

export interface DriftParams {
  /** A registered statistic's id (drift-registry.ts) or `auto`. */
  numericalMethod: string;
  categoricalMethod: string;
  smallReferenceRows: number;
  /** Each registered statistic's threshold, by its params key (`ks_p_threshold`…). */
  thresholds: Record<string, number>;
  psiBins: number;
  psiEpsilon: number;
  driftShare: number;
  predictionPsiThreshold: number;
  performanceDropThreshold: number;
  errorChangeThreshold: number;
  histogramBins: number;
  newDataFractionTrigger: number;
  /** Fewer current rows than this: no drift decision ("not enough data"). */
  minRows: number;
  /** Labelled rows from the drifted period retraining needs. */
  minLabelledRows: number;
}

/** `drift.<kind>_method`: `auto` or a registered statistic that applies to that kind. */
function methodParam(raw: RawParams, kind: FeatureKind): string {
  const choices = ['auto', ...statisticsFor(kind).map((s) => s.id)];
  return oneOf(raw, `drift.${kind}_method`, choices);
}

export function driftParams(raw: RawParams): DriftParams {
  const prob = { min: 0, max: 1 };
  const thresholds = Object.fromEntries(driftStatistics().map((s) => [
    s.thresholdParam, num(raw, `drift.${s.thresholdParam}`, { min: 0, ...(s.thresholdMax !== undefined ? { max: s.thresholdMax } : {}) }),
  ]));
  return {
    numericalMethod: methodParam(raw, 'numerical'),
    categoricalMethod: methodParam(raw, 'categorical'),
    smallReferenceRows: num(raw, 'drift.small_reference_rows', { integer: true, min: 0 }),
    thresholds,
    psiBins: num(raw, 'drift.psi_bins', { integer: true, min: 2, max: 1000 }),
    psiEpsilon: num(raw, 'drift.psi_epsilon', { above: 0, max: 0.1 }),
    driftShare: num(raw, 'drift.drift_share', prob),
    predictionPsiThreshold: num(raw, 'drift.prediction_psi_threshold', { min: 0 }),
    performanceDropThreshold: num(raw, 'drift.performance_drop_threshold', prob),
    errorChangeThreshold: num(raw, 'drift.error_change_threshold', { min: 0 }),
    histogramBins: num(raw, 'drift.histogram_bins', { integer: true, min: 2, max: 200 }),
    newDataFractionTrigger: num(raw, 'triggers.new_data_fraction', { min: 0 }),
    minRows: num(raw, 'drift.min_rows', { integer: true, min: 1 }),
    minLabelledRows: num(raw, 'drift.min_labelled_rows', { integer: true, min: 1 }),
  };
}
