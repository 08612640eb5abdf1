// The `drift:` section of params.yaml (and the volume trigger the drift verdict reports). Its
// method choices and thresholds come from the drift-statistics registry, so a registered
// statistic is a valid `drift.numerical_method` and its threshold key is checked like the others.

import type { FeatureKind } from './dataset.js';
import { driftStatistics, statisticsFor } from './drift-registry.js';
import { oneOfSchema, param, type ParamSchema, type RawParams } from './params.js';

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
  /** …and by at least this much in absolute terms. */
  errorChangeMin: number;
  /** A performance drop counts only at this significance (one-sided p-value) or below. */
  performancePThreshold: number;
  histogramBins: number;
  newDataFractionTrigger: number;
  /** Fewer current rows than this: no drift decision ("not enough data"). */
  minRows: number;
  /** Labelled rows from the drifted period retraining needs. */
  minLabelledRows: number;
}

const PROBABILITY: ParamSchema = { type: 'number', minimum: 0, maximum: 1 };
const NON_NEGATIVE: ParamSchema = { type: 'number', minimum: 0 };
const integer = (minimum: number, maximum?: number): ParamSchema => ({ type: 'integer', minimum, ...(maximum !== undefined ? { maximum } : {}) });

export const DRIFT_SCHEMAS = {
  small_reference_rows: integer(0),
  psi_bins: integer(2, 1000),
  psi_epsilon: { type: 'number', exclusiveMinimum: 0, maximum: 0.1 },
  drift_share: PROBABILITY,
  prediction_psi_threshold: NON_NEGATIVE,
  performance_drop_threshold: PROBABILITY,
  error_change_threshold: NON_NEGATIVE,
  error_change_min: NON_NEGATIVE,
  performance_p_threshold: PROBABILITY,
  histogram_bins: integer(2, 200),
  min_rows: integer(1),
  min_labelled_rows: integer(1),
} as const satisfies Record<string, ParamSchema>;

/** `drift.<kind>_method`: `auto` or a registered statistic that applies to that kind. */
function methodParam(raw: RawParams, kind: FeatureKind): string {
  return param(raw, `drift.${kind}_method`, oneOfSchema(['auto', ...statisticsFor(kind).map((s) => s.id)]));
}

export function driftParams(raw: RawParams): DriftParams {
  const d = <T>(key: keyof typeof DRIFT_SCHEMAS): T => param<T>(raw, `drift.${key}`, DRIFT_SCHEMAS[key]);
  const thresholds = Object.fromEntries(driftStatistics().map((s) => [
    s.thresholdParam, param<number>(raw, `drift.${s.thresholdParam}`, { ...NON_NEGATIVE, ...(s.thresholdMax !== undefined ? { maximum: s.thresholdMax } : {}) }),
  ]));
  return {
    numericalMethod: methodParam(raw, 'numerical'),
    categoricalMethod: methodParam(raw, 'categorical'),
    smallReferenceRows: d('small_reference_rows'),
    thresholds,
    psiBins: d('psi_bins'),
    psiEpsilon: d('psi_epsilon'),
    driftShare: d('drift_share'),
    predictionPsiThreshold: d('prediction_psi_threshold'),
    performanceDropThreshold: d('performance_drop_threshold'),
    errorChangeThreshold: d('error_change_threshold'),
    errorChangeMin: d('error_change_min'),
    performancePThreshold: d('performance_p_threshold'),
    histogramBins: d('histogram_bins'),
    newDataFractionTrigger: param(raw, 'triggers.new_data_fraction', NON_NEGATIVE),
    minRows: d('min_rows'),
    minLabelledRows: d('min_labelled_rows'),
  };
}
