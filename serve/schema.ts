// The JSON Schema of POST /predict, checked by Fastify (ajv) before the handler runs: one row
// of sensor readings, or an array of up to MAX_BATCH rows. A missing reading is null (the model
// imputes it with its training mean); hour and weekday are whole numbers in their range.

import { FEATURES } from '../stages/lib/dataset.js';

export const MAX_BATCH = 1000;

const RANGES: Record<string, { minimum: number; maximum: number }> = {
  hour: { minimum: 0, maximum: 23 },
  weekday: { minimum: 0, maximum: 6 },
};

export const rowSchema = {
  type: 'object',
  additionalProperties: false,
  required: FEATURES.map((f) => f.name),
  properties: Object.fromEntries(FEATURES.map((f) => [
    f.name,
    f.kind === 'categorical' ? { type: 'integer', ...RANGES[f.name] } : { type: ['number', 'null'] },
  ])),
} as const;

export const predictBodySchema = {
  if: { type: 'array' },
  then: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: rowSchema },
  else: rowSchema,
} as const;

const flagList = { type: 'array', items: { type: 'string' } } as const;
const prediction = {
  request_id: { type: 'string' },
  score: { type: 'number' },
  occupied: { type: 'integer' },
  quality: { type: 'object', properties: { out_of_range: flagList, non_finite: flagList } },
} as const;

const feedbackItem = {
  type: 'object',
  additionalProperties: false,
  required: ['request_id', 'occupied'],
  properties: { request_id: { type: 'string', minLength: 1, maxLength: 100 }, occupied: { type: 'integer', enum: [0, 1] } },
} as const;

/** POST /feedback: {request_id, occupied} or an array of them (up to MAX_BATCH). */
export const feedbackBodySchema = {
  if: { type: 'array' },
  then: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: feedbackItem },
  else: feedbackItem,
} as const;

/** The answer's shape, so Fastify serialises it with a compiled stringifier: one row gives
 *  {model_version, score, occupied}, a batch {model_version, predictions: [{score, occupied}]}. */
export const predictResponseSchema = {
  200: {
    type: 'object',
    properties: {
      model_version: { type: 'string' },
      ...prediction,
      predictions: { type: 'array', items: { type: 'object', properties: prediction } },
    },
  },
} as const;

export interface AjvErrorLike {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `body/temperature must be number,null` — the field first; ajv leaves a missing or an extra
 *  property out of the path, so it is added here. */
export function describeSchemaError(errors: readonly AjvErrorLike[], dataVar: string): string {
  const e = errors.find((x) => x.keyword !== 'if') ?? errors[0];
  if (!e) return `${dataVar} is invalid`;
  const at = `${dataVar}${e.instancePath}`;
  if (e.keyword === 'required') return `${at}/${String(e.params['missingProperty'])} is required`;
  if (e.keyword === 'additionalProperties') return `${at}/${String(e.params['additionalProperty'])} is not a known field`;
  return `${at} ${e.message ?? 'is invalid'}`;
}
