// The occupancy classifier as a JSON document: how raw readings become model inputs
// (imputation, engineered hour/weekday features, standardisation) and the logistic
// coefficients. The same file is the challenger (models/challenger.json) and, once packaged,
// the champion (bundle/model.json).

import { createHash } from 'node:crypto';
import { FEATURE_NAMES, rowCount, type Dataset, type FeatureName } from './dataset.js';
import { StageInputError } from './errors.js';
import type { ClassificationMetrics } from './metrics.js';
import { fitLogistic, predictProbability, type LogisticCoefficients, type LogisticOptions } from './logistic.js';
import { mean, std } from './stats.js';

export const MODEL_FORMAT = 'dvc-ts-occupancy-logreg/1';

/** Model inputs derived from the raw columns. hour and weekday enter as a daily cycle and two
 *  calendar indicators, because a linear model cannot use their integer codes directly. */
export const MODEL_INPUTS = [
  'temperature', 'humidity', 'light', 'co2', 'humidity_ratio', 'hour_sin', 'hour_cos', 'workday', 'office_hours',
] as const;

export interface LineageEntry {
  model_id: string;
  reference_months: number[];
  current_month: number;
  training_rows: number;
  dataset_drift: boolean | null;
  drifted_features: string[];
  promotion_reason: string;
}

export interface OccupancyModel {
  format: typeof MODEL_FORMAT;
  /** sha256 of the coefficients and preprocessing, a stable identity for comparisons. */
  model_id: string;
  inputs: string[];
  /** Value used for a missing raw reading: the training mean. */
  impute: Record<FeatureName, number>;
  center: number[];
  scale: number[];
  weights: number[];
  bias: number;
  decision_threshold: number;
  hyperparameters: LogisticOptions;
  training: { reference_months: number[]; current_month: number; rows: number; positives: number; data_sha256: Record<string, string> };
  /** Earlier champions this model replaced, oldest first (filled in by package). */
  lineage: LineageEntry[];
  /** Its metrics on the hold-out `evaluate` judged it on, rows it never trained on (filled in by
   *  package). Drift compares new labelled rows with these, not with its own training rows. */
  holdout?: ClassificationMetrics;
}

function engineered(ds: Dataset, i: number, impute: Record<FeatureName, number>): number[] {
  const raw = (f: FeatureName): number => {
    const v = ds.features[f][i]!;
    return Number.isNaN(v) ? impute[f] : v;
  };
  const hour = raw('hour');
  const weekday = raw('weekday');
  const angle = (2 * Math.PI * hour) / 24;
  return [
    raw('temperature'), raw('humidity'), raw('light'), raw('co2'), raw('humidity_ratio'),
    Math.sin(angle), Math.cos(angle), weekday < 5 ? 1 : 0, hour >= 8 && hour < 18 ? 1 : 0,
  ];
}

function imputeValues(ds: Dataset): Record<FeatureName, number> {
  const out = {} as Record<FeatureName, number>;
  for (const f of FEATURE_NAMES) {
    const present = ds.features[f].filter((v) => !Number.isNaN(v));
    out[f] = present.length ? mean(present) : 0;
  }
  return out;
}

export interface FitInput {
  data: Dataset;
  hyperparameters: LogisticOptions;
  decisionThreshold: number;
  training: OccupancyModel['training'];
}

/** Fit on every labelled row of `data`. */
export function fitOccupancyModel(input: FitInput): OccupancyModel {
  const { data } = input;
  const impute = imputeValues(data);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < rowCount(data); i++) {
    if (Number.isNaN(data.occupied[i]!)) continue;
    rows.push(engineered(data, i, impute));
    labels.push(data.occupied[i]!);
  }
  if (rows.length === 0) throw new StageInputError('no labelled rows to train on');
  const center = MODEL_INPUTS.map((_, k) => mean(rows.map((r) => r[k]!)));
  // A constant input (e.g. every row a workday) keeps scale 1 instead of dividing by zero.
  const scale = MODEL_INPUTS.map((_, k) => std(rows.map((r) => r[k]!)) || 1);
  const x = rows.map((r) => r.map((v, k) => (v - center[k]!) / scale[k]!));
  const coef = fitLogistic(x, labels, input.hyperparameters);
  const body = { inputs: [...MODEL_INPUTS], impute, center, scale, weights: coef.weights, bias: coef.bias };
  return {
    format: MODEL_FORMAT,
    model_id: modelId(body),
    ...body,
    decision_threshold: input.decisionThreshold,
    hyperparameters: input.hyperparameters,
    training: input.training,
    lineage: [],
  };
}

export function modelId(body: { impute: unknown; center: unknown; scale: unknown; weights: unknown; bias: unknown }): string {
  return hashText(JSON.stringify([body.impute, body.center, body.scale, body.weights, body.bias])).slice(0, 16);
}

function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Probability of `occupied` for every row. */
export function scoreDataset(model: OccupancyModel, ds: Dataset): number[] {
  const coef: LogisticCoefficients = { weights: model.weights, bias: model.bias };
  const out: number[] = [];
  for (let i = 0; i < rowCount(ds); i++) {
    const x = engineered(ds, i, model.impute).map((v, k) => (v - model.center[k]!) / model.scale[k]!);
    out.push(predictProbability(coef, x));
  }
  return out;
}

function isNumberArray(v: unknown, length: number): v is number[] {
  return Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** Check a parsed JSON document is a model this code can score; name the file when not. */
export function parseModel(value: unknown, file: string): OccupancyModel {
  if (typeof value !== 'object' || value === null) throw new StageInputError(`${file} is not a model (expected a JSON object)`);
  const m = value as Partial<OccupancyModel>;
  if (m.format !== MODEL_FORMAT) throw new StageInputError(`${file} has format ${JSON.stringify(m.format)}; expected ${MODEL_FORMAT}`);
  const d = MODEL_INPUTS.length;
  if (!isNumberArray(m.weights, d) || !isNumberArray(m.center, d) || !isNumberArray(m.scale, d) || typeof m.bias !== 'number') {
    throw new StageInputError(`${file} has malformed coefficients`);
  }
  if (typeof m.impute !== 'object' || m.impute === null) throw new StageInputError(`${file} has no imputation values`);
  for (const f of FEATURE_NAMES) {
    if (typeof (m.impute as Record<string, unknown>)[f] !== 'number') throw new StageInputError(`${file} has no imputation value for '${f}'`);
  }
  if (typeof m.decision_threshold !== 'number') throw new StageInputError(`${file} has no decision_threshold`);
  return { ...(m as OccupancyModel), lineage: Array.isArray(m.lineage) ? m.lineage : [] };
}
