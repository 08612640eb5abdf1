// Reading params.yaml and checking each section a stage uses. Every stage reads only the
// sections declared for it in pipeline.yaml, so the engine's params tracking is complete.

import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { StageInputError } from './errors.js';
import { FEATURE_NAMES, type FeatureName } from './dataset.js';

export const PARAMS_FILE = 'params.yaml';

export type RawParams = Record<string, unknown>;

export async function readParams(path = PARAMS_FILE): Promise<RawParams> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new StageInputError(`cannot read ${path}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    throw new StageInputError(`${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StageInputError(`${path} must be a mapping of parameters`);
  }
  return value as RawParams;
}

function lookup(raw: RawParams, key: string): unknown {
  let node: unknown = raw;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) {
      throw new StageInputError(`parameter '${key}' is missing from ${PARAMS_FILE}`);
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** min is exclusive */
  above?: number;
}

function checkNumber(key: string, value: unknown, rule: NumberRule): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StageInputError(`parameter '${key}' must be a number, found ${JSON.stringify(value)}`);
  }
  if (rule.integer && !Number.isInteger(value)) throw new StageInputError(`parameter '${key}' must be an integer, found ${value}`);
  if (rule.min !== undefined && value < rule.min) throw new StageInputError(`parameter '${key}' must be ≥ ${rule.min}, found ${value}`);
  if (rule.above !== undefined && value <= rule.above) throw new StageInputError(`parameter '${key}' must be > ${rule.above}, found ${value}`);
  if (rule.max !== undefined && value > rule.max) throw new StageInputError(`parameter '${key}' must be ≤ ${rule.max}, found ${value}`);
  return value;
}

export function num(raw: RawParams, key: string, rule: NumberRule = {}): number {
  return checkNumber(key, lookup(raw, key), rule);
}

function numList(raw: RawParams, key: string, rule: NumberRule = {}): number[] {
  const value = lookup(raw, key);
  if (!Array.isArray(value) || value.length === 0) throw new StageInputError(`parameter '${key}' must be a non-empty list of numbers`);
  return value.map((v, i) => checkNumber(`${key}[${i}]`, v, rule));
}

export function oneOf<T extends string>(raw: RawParams, key: string, choices: readonly T[]): T {
  const value = lookup(raw, key);
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new StageInputError(`parameter '${key}' must be one of ${choices.join(', ')}, found ${JSON.stringify(value)}`);
  }
  return value as T;
}

function str(raw: RawParams, key: string): string {
  const value = lookup(raw, key);
  if (typeof value !== 'string' || value === '') throw new StageInputError(`parameter '${key}' must be a non-empty string`);
  return value;
}

export function seedParam(raw: RawParams): number {
  return num(raw, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
}

export interface WindowParams {
  referenceMonths: number[];
  currentMonth: number;
}

/** The reference (training) window and the monitored month; train reads only these. */
export function windowParams(raw: RawParams): WindowParams {
  const month = { integer: true, min: 1, max: 12 };
  const p = {
    referenceMonths: numList(raw, 'data.reference_months', month),
    currentMonth: num(raw, 'data.current_month', month),
  };
  if (p.referenceMonths.includes(p.currentMonth)) {
    throw new StageInputError(`parameter 'data.current_month' (${p.currentMonth}) is inside the reference window ${p.referenceMonths.join(', ')}`);
  }
  return p;
}

export function intervalMinutesParam(raw: RawParams): number {
  const minutes = num(raw, 'data.interval_minutes', { integer: true, min: 1, max: 60 });
  if (60 % minutes !== 0) throw new StageInputError(`parameter 'data.interval_minutes' must divide 60, found ${minutes}`);
  return minutes;
}

export interface DataParams extends WindowParams {
  year: number;
  daysPerMonth: number;
  intervalMinutes: number;
  logsDir: string;
}

export function dataParams(raw: RawParams): DataParams {
  return {
    ...windowParams(raw),
    year: num(raw, 'data.year', { integer: true, min: 1971, max: 9999 }),
    daysPerMonth: num(raw, 'data.days_per_month', { integer: true, min: 1, max: 28 }),
    intervalMinutes: intervalMinutesParam(raw),
    logsDir: str(raw, 'data.logs_dir'),
  };
}

export const REFERENCE_SOURCES = ['champion', 'fixed'] as const;
export type ReferenceSource = (typeof REFERENCE_SOURCES)[number];

/** `champion`: drift compares against the champion's training window; `fixed`: always against
 *  `data.reference_months`. */
export function referenceSourceParam(raw: RawParams): ReferenceSource {
  return oneOf(raw, 'data.reference', REFERENCE_SOURCES);
}

/** The one quality knob the stages that only validate their input read. */
export function maxMissingFractionParam(raw: RawParams): number {
  return num(raw, 'quality.max_missing_fraction', { min: 0, max: 1 });
}

export interface QualityParams {
  maxMissingFraction: number;
  /** Longest run of one repeated reading a numerical sensor may produce before it counts as stuck. */
  maxConstantRun: number;
  ranges: Record<FeatureName, [number, number]>;
}

export function qualityParams(raw: RawParams): QualityParams {
  const ranges = {} as Record<FeatureName, [number, number]>;
  for (const f of FEATURE_NAMES) {
    const [lo, hi] = numList(raw, `quality.ranges.${f}`);
    if (lo === undefined || hi === undefined || !(lo < hi)) throw new StageInputError(`parameter 'quality.ranges.${f}' must be [low, high] with low < high`);
    ranges[f] = [lo, hi];
  }
  return {
    maxMissingFraction: maxMissingFractionParam(raw),
    maxConstantRun: num(raw, 'quality.max_constant_run', { integer: true, min: 2 }),
    ranges,
  };
}

export interface SplitParams {
  holdoutFraction: number;
  validationFraction: number;
}

export function holdoutFractionParam(raw: RawParams): number {
  return num(raw, 'split.holdout_fraction', { above: 0, max: 0.9 });
}

export function splitParams(raw: RawParams): SplitParams {
  return {
    holdoutFraction: holdoutFractionParam(raw),
    validationFraction: num(raw, 'split.validation_fraction', { above: 0, max: 0.9 }),
  };
}

export interface TrainParams {
  l2: number[];
  learningRate: number[];
  epochs: number;
  /** Score at or above which a reading is classed occupied; stored in the model. */
  decisionThreshold: number;
}

export function trainParams(raw: RawParams): TrainParams {
  return {
    l2: numList(raw, 'train.l2', { min: 0 }),
    learningRate: numList(raw, 'train.learning_rate', { above: 0, max: 10 }),
    epochs: num(raw, 'train.epochs', { integer: true, min: 1, max: 100000 }),
    decisionThreshold: num(raw, 'train.decision_threshold', { above: 0, max: 1 }),
  };
}

export const PROMOTION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const;
export type PromotionMetric = (typeof PROMOTION_METRICS)[number];

export interface EvaluateParams {
  metric: PromotionMetric;
  margin: number;
}

export function evaluateParams(raw: RawParams): EvaluateParams {
  return {
    metric: oneOf(raw, 'evaluate.metric', PROMOTION_METRICS),
    margin: num(raw, 'evaluate.margin', { min: 0, max: 1 }),
  };
}

export interface EnergyParams {
  setpointOccupiedC: number;
  setpointUnoccupiedC: number;
  kwhPerDegreeHour: number;
}

export function energyParams(raw: RawParams): EnergyParams {
  const p = {
    setpointOccupiedC: num(raw, 'energy.setpoint_occupied_c', { min: 0, max: 40 }),
    setpointUnoccupiedC: num(raw, 'energy.setpoint_unoccupied_c', { min: 0, max: 40 }),
    kwhPerDegreeHour: num(raw, 'energy.kwh_per_degree_hour', { min: 0 }),
  };
  if (p.setpointUnoccupiedC > p.setpointOccupiedC) {
    throw new StageInputError(`parameter 'energy.setpoint_unoccupied_c' must not exceed 'energy.setpoint_occupied_c'`);
  }
  return p;
}
