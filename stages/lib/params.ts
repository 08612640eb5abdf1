// Reading params.yaml and checking each key a stage uses against its JSON Schema (ajv). Every
// stage reads only the keys declared for it in pipeline.yaml, so the engine's params tracking is
// complete, and a bad value elsewhere in the file does not stop it. Errors name the place:
// `params.yaml:12:13: parameter 'drift.psi_bins' must be <= 1000, found 2000`.

import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { StageInputError } from './errors.js';
import { FEATURE_NAMES, type FeatureName } from './dataset.js';

export const PARAMS_FILE = 'params.yaml';

export type RawParams = Record<string, unknown>;

/** A JSON Schema for one parameter (the subset ajv checks here). */
export type ParamSchema = Record<string, unknown>;

interface Source {
  file: string;
  doc: Document;
  lines: LineCounter;
}

/** Where each parsed params object came from, for `file:line:col` in messages. */
const sources = new WeakMap<RawParams, Source>();

export async function readParams(path = PARAMS_FILE): Promise<RawParams> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new StageInputError(`cannot read ${path}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new StageInputError(`${path}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StageInputError(`${path} must be a mapping of parameters`);
  }
  sources.set(value as RawParams, { file: path, doc, lines });
  return value as RawParams;
}

/** `params.yaml:line:col` of the deepest node of `path` that exists, or the file name alone. */
function where(raw: RawParams, path: (string | number)[]): string {
  const src = sources.get(raw);
  if (!src) return PARAMS_FILE;
  for (let n = path.length; n >= 0; n--) {
    const node = src.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = src.lines.linePos(node.range[0]);
      return `${src.file}:${line}:${col}`;
    }
  }
  return src.file;
}

const ajv = new Ajv({ allErrors: false, strict: true });
const compiled = new Map<string, ValidateFunction>();

function validator(schema: ParamSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(key, v);
  }
  return v;
}

/** Fail with the key, its place in the file and what is wrong. */
export function paramError(raw: RawParams, key: string, message: string, sub: (string | number)[] = []): StageInputError {
  return new StageInputError(`${where(raw, [...key.split('.'), ...sub])}: parameter '${key}${sub.map((s) => `[${s}]`).join('')}' ${message}`);
}

/** The value of a dotted key, checked against `schema`. */
export function param<T>(raw: RawParams, key: string, schema: ParamSchema): T {
  let node: unknown = raw;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) {
      throw new StageInputError(`${where(raw, key.split('.'))}: parameter '${key}' is missing from ${sources.get(raw)?.file ?? PARAMS_FILE}`);
    }
    node = (node as Record<string, unknown>)[part];
  }
  const validate = validator(schema);
  if (!validate(node)) {
    const e = validate.errors![0]!;
    const sub = e.instancePath.split('/').filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let value: unknown = node;
    for (const s of sub) value = (value as Record<string | number, unknown>)[s];
    const allowed = e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
    throw paramError(raw, key, `${e.message ?? 'is invalid'}${allowed}, found ${JSON.stringify(value)}`, sub);
  }
  return node as T;
}

// The schemas of the keys the stages read, one place for every rule.
const integer = (minimum: number, maximum?: number): ParamSchema => ({ type: 'integer', minimum, ...(maximum !== undefined ? { maximum } : {}) });
const number = (rule: { minimum?: number; maximum?: number; exclusiveMinimum?: number }): ParamSchema => ({ type: 'number', ...rule });
const list = (items: ParamSchema): ParamSchema => ({ type: 'array', minItems: 1, items });
export const oneOfSchema = (choices: readonly string[]): ParamSchema => ({ type: 'string', enum: [...choices] });
const MONTH = integer(1, 12);
const PROBABILITY = number({ minimum: 0, maximum: 1 });

export const PARAM_SCHEMAS = {
  seed: integer(0, 2 ** 32 - 1),
  'data.year': integer(1971, 9999),
  'data.reference_months': list(MONTH),
  'data.current_month': MONTH,
  'data.days_per_month': integer(1, 28),
  // Minutes that divide an hour, so every day has whole steps.
  'data.interval_minutes': { type: 'integer', enum: [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60] },
  'data.logs_dir': { type: 'string', minLength: 1 },
  'quality.max_missing_fraction': PROBABILITY,
  'quality.max_constant_run': integer(2),
  'quality.range': { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } },
  'split.holdout_fraction': number({ exclusiveMinimum: 0, maximum: 0.9 }),
  'split.validation_fraction': number({ exclusiveMinimum: 0, maximum: 0.9 }),
  'train.l2': list(number({ minimum: 0 })),
  'train.learning_rate': list(number({ exclusiveMinimum: 0, maximum: 10 })),
  'train.epochs': integer(1, 100000),
  'train.decision_threshold': number({ exclusiveMinimum: 0, maximum: 1 }),
  'evaluate.margin': PROBABILITY,
  'energy.setpoint_occupied_c': number({ minimum: 0, maximum: 40 }),
  'energy.setpoint_unoccupied_c': number({ minimum: 0, maximum: 40 }),
  'energy.kwh_per_degree_hour': number({ minimum: 0 }),
} as const satisfies Record<string, ParamSchema>;

type Known = keyof typeof PARAM_SCHEMAS;
const get = <T>(raw: RawParams, key: Known): T => param<T>(raw, key, PARAM_SCHEMAS[key]);

export function seedParam(raw: RawParams): number {
  return get(raw, 'seed');
}

export interface WindowParams {
  referenceMonths: number[];
  currentMonth: number;
}

/** The reference (training) window and the monitored month; train reads only these. */
export function windowParams(raw: RawParams): WindowParams {
  const p = { referenceMonths: get<number[]>(raw, 'data.reference_months'), currentMonth: get<number>(raw, 'data.current_month') };
  if (p.referenceMonths.includes(p.currentMonth)) {
    throw paramError(raw, 'data.current_month', `(${p.currentMonth}) is inside the reference window ${p.referenceMonths.join(', ')}`);
  }
  return p;
}

export function intervalMinutesParam(raw: RawParams): number {
  return get(raw, 'data.interval_minutes');
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
    year: get(raw, 'data.year'),
    daysPerMonth: get(raw, 'data.days_per_month'),
    intervalMinutes: intervalMinutesParam(raw),
    logsDir: get(raw, 'data.logs_dir'),
  };
}

export const REFERENCE_SOURCES = ['champion', 'fixed'] as const;
export type ReferenceSource = (typeof REFERENCE_SOURCES)[number];

/** `champion`: drift compares against the champion's training window; `fixed`: always against
 *  `data.reference_months`. */
export function referenceSourceParam(raw: RawParams): ReferenceSource {
  return param(raw, 'data.reference', oneOfSchema(REFERENCE_SOURCES));
}

/** The one quality knob the stages that only validate their input read. */
export function maxMissingFractionParam(raw: RawParams): number {
  return get(raw, 'quality.max_missing_fraction');
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
    const [lo, hi] = param<[number, number]>(raw, `quality.ranges.${f}`, PARAM_SCHEMAS['quality.range']);
    if (!(lo < hi)) throw paramError(raw, `quality.ranges.${f}`, `must be [low, high] with low < high, found [${lo}, ${hi}]`);
    ranges[f] = [lo, hi];
  }
  return { maxMissingFraction: maxMissingFractionParam(raw), maxConstantRun: get(raw, 'quality.max_constant_run'), ranges };
}

export interface SplitParams {
  holdoutFraction: number;
  validationFraction: number;
}

export function holdoutFractionParam(raw: RawParams): number {
  return get(raw, 'split.holdout_fraction');
}

export function splitParams(raw: RawParams): SplitParams {
  return { holdoutFraction: holdoutFractionParam(raw), validationFraction: get(raw, 'split.validation_fraction') };
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
    l2: get(raw, 'train.l2'),
    learningRate: get(raw, 'train.learning_rate'),
    epochs: get(raw, 'train.epochs'),
    decisionThreshold: get(raw, 'train.decision_threshold'),
  };
}

export const PROMOTION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const;
export type PromotionMetric = (typeof PROMOTION_METRICS)[number];

export interface EvaluateParams {
  metric: PromotionMetric;
  margin: number;
}

export function evaluateParams(raw: RawParams): EvaluateParams {
  return { metric: param(raw, 'evaluate.metric', oneOfSchema(PROMOTION_METRICS)), margin: get(raw, 'evaluate.margin') };
}

export interface EnergyParams {
  setpointOccupiedC: number;
  setpointUnoccupiedC: number;
  kwhPerDegreeHour: number;
}

export function energyParams(raw: RawParams): EnergyParams {
  const p = {
    setpointOccupiedC: get<number>(raw, 'energy.setpoint_occupied_c'),
    setpointUnoccupiedC: get<number>(raw, 'energy.setpoint_unoccupied_c'),
    kwhPerDegreeHour: get<number>(raw, 'energy.kwh_per_degree_hour'),
  };
  if (p.setpointUnoccupiedC > p.setpointOccupiedC) {
    throw paramError(raw, 'energy.setpoint_unoccupied_c', `must not exceed 'energy.setpoint_occupied_c'`);
  }
  return p;
}
