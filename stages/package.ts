// Stage `package`: build the deployable bundle in bundle/ — model.json (which becomes the
// champion next run), MODEL_CARD.md and manifest.json with the sha256 of every bundle file.

import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StageInputError } from './lib/errors.js';
import { formatJson, readJson, readTextInput, runStage, sha256, writeOutput } from './lib/io.js';
import { BUNDLE_DIR, CHALLENGER_MODEL, CURRENT_CSV, DRIFT_DETAILS, EVALUATE_DETAILS } from './lib/layout.js';
import type { ClassificationMetrics } from './lib/metrics.js';
import { renderModelCard, type ModelCardInput } from './lib/model-card.js';
import { parseModel, type LineageEntry, type OccupancyModel } from './lib/model.js';

export const MANIFEST = 'manifest.json';

function field<T>(record: Record<string, unknown>, key: string, file: string, check: (v: unknown) => boolean): T {
  const v = record[key];
  if (!check(v)) throw new StageInputError(`${file} has no valid '${key}'`);
  return v as T;
}

const isRecord = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

async function main(): Promise<void> {
  const challenger = parseModel(await readJson(CHALLENGER_MODEL), CHALLENGER_MODEL);
  const evaluation = (await readJson(EVALUATE_DETAILS)) as Record<string, unknown>;
  const drift = (await readJson(DRIFT_DETAILS)) as Record<string, unknown>;
  if (!isRecord(evaluation)) throw new StageInputError(`${EVALUATE_DETAILS} is not a JSON object`);
  if (!isRecord(drift)) throw new StageInputError(`${DRIFT_DETAILS} is not a JSON object`);
  const promote = field<boolean>(evaluation, 'promote', EVALUATE_DETAILS, (v) => typeof v === 'boolean');
  if (!promote) throw new StageInputError(`${EVALUATE_DETAILS} says promote is false; nothing to package`);
  const challengerResult = field<Record<string, unknown>>(evaluation, 'challenger', EVALUATE_DETAILS, isRecord);
  if (challengerResult['model_id'] !== challenger.model_id) {
    throw new StageInputError(`${EVALUATE_DETAILS} evaluated model ${String(challengerResult['model_id'])}, but ${CHALLENGER_MODEL} is ${challenger.model_id}; rerun evaluate`);
  }
  const championResult = evaluation['champion'];
  const reason = field<string>(evaluation, 'reason', EVALUATE_DETAILS, (v) => typeof v === 'string');
  const lineage = field<LineageEntry[]>(evaluation, 'champion_lineage', EVALUATE_DETAILS, Array.isArray);
  const datasetDrift = field<boolean>(drift, 'dataset_drift', DRIFT_DETAILS, (v) => typeof v === 'boolean');
  const driftedFeatures = field<string[]>(drift, 'drifted_features', DRIFT_DETAILS, Array.isArray);

  const entry: LineageEntry = {
    model_id: challenger.model_id,
    reference_months: challenger.training.reference_months,
    current_month: challenger.training.current_month,
    training_rows: challenger.training.rows,
    dataset_drift: datasetDrift,
    drifted_features: driftedFeatures,
    promotion_reason: reason,
  };
  const holdout = challengerResult['metrics'] as ClassificationMetrics;
  const model: OccupancyModel = { ...challenger, lineage: [...lineage, entry], holdout };
  const evalInput = evaluation as unknown as { metric: string; margin: number; evaluated_on: { rows: number } };
  const cardInput: ModelCardInput = {
    model,
    evaluation: {
      metric: evalInput.metric,
      margin: evalInput.margin,
      reason,
      rows: evalInput.evaluated_on.rows,
      challenger: challengerResult['metrics'] as Record<string, number>,
      champion: isRecord(championResult) ? ((championResult as Record<string, unknown>)['metrics'] as Record<string, number>) : null,
      energy: challengerResult['energy'] as Record<string, number>,
    },
    drift: {
      dataset_drift: datasetDrift,
      drift_share: drift['drift_share'] as number,
      drifted_features: driftedFeatures,
      quality_issues: (drift['quality_issues'] as string[] | undefined) ?? [],
      reasons: (drift['reasons'] as string[] | undefined) ?? [],
    },
  };
  // The training window: the batch this model was fitted to. The next drift check compares
  // against it (params.yaml data.reference: champion), so the reference follows each promotion.
  const window = await readTextInput(CURRENT_CSV);
  if (sha256(window) !== challenger.training.data_sha256[CURRENT_CSV]) {
    throw new StageInputError(`${CURRENT_CSV} is not the batch ${CHALLENGER_MODEL} was trained on; rerun train`);
  }
  const files: Record<string, string> = {
    'model.json': formatJson(model),
    'MODEL_CARD.md': renderModelCard(cardInput),
    'reference.csv': window,
  };
  const manifest = {
    model_id: model.model_id,
    algorithm: 'sha256',
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, text]) => [name, { sha256: sha256(text), size: Buffer.byteLength(text) }])),
  };
  files[MANIFEST] = formatJson(manifest);

  // Build the bundle beside its final place, then swap it in: readers see the old bundle or
  // the new one, never a mix.
  const staging = join(dirname(BUNDLE_DIR), `.model.${process.pid}.tmp`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeOutput(join(staging, name), text);
  await rm(BUNDLE_DIR, { recursive: true, force: true });
  await rename(staging, BUNDLE_DIR);
}

runStage('package', main);
