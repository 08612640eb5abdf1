// Stage `drift`: compare the current batch with the reference window — per-feature statistics
// and verdicts, data quality, the champion's prediction and performance drift — and write
// metrics/drift.json (the verdicts the gates read), reports/drift.json (every statistic and
// histogram), reports/drift.html and the per-feature plot data.

import { readChampion } from './lib/champion.js';
import { analyseDrift, type BatchFacts, type ChampionScores } from './lib/drift-analysis.js';
import { driftParams } from './lib/drift-params.js';
import { formatNumber } from './lib/format.js';
import { checkUsable, labelledIndices, parseDataset, type Dataset } from './lib/dataset.js';
import { formatCsv } from './lib/csv.js';
import { readJsonIfExists, readTextInput, runStage, writeJson, writeOutput } from './lib/io.js';
import { driftHeadline } from './lib/headline.js';
import { CURRENT_CSV, DRIFT_DETAILS, DRIFT_METRICS, DRIFT_PLOT, DRIFT_REPORT, INGEST_METRICS, REFERENCE_CSV } from './lib/layout.js';
import { scoreDataset, type OccupancyModel } from './lib/model.js';
import { qualityParams, readParams } from './lib/params.js';
import { renderDriftReport } from './lib/report-html.js';

function snakeCase(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}

function championScores(model: OccupancyModel, reference: Dataset, current: Dataset): ChampionScores {
  const refScores = scoreDataset(model, reference);
  const curScores = scoreDataset(model, current);
  const refIdx = labelledIndices(reference);
  const curIdx = labelledIndices(current);
  return {
    modelId: model.model_id,
    referenceScores: refScores,
    currentScores: curScores,
    referenceLabels: refIdx.map((i) => reference.occupied[i]!),
    currentLabels: curIdx.map((i) => current.occupied[i]!),
    referenceLabelledScores: refIdx.map((i) => refScores[i]!),
    currentLabelledScores: curIdx.map((i) => curScores[i]!),
    decisionThreshold: model.decision_threshold,
    holdout: model.holdout ?? null,
  };
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/** What ingest counted (metrics/ingest.json); a batch built elsewhere may not say, then the
 *  verdict counts from the CSVs alone. */
async function batchFacts(current: Dataset): Promise<BatchFacts> {
  const ingest = (await readJsonIfExists(INGEST_METRICS)) as { current?: Record<string, unknown>; data_quality?: Record<string, unknown> } | undefined;
  const c = ingest?.current ?? {};
  const logRows = count(c['log_rows']);
  // The drifted period: the logged traffic when there is any, else the monitored month.
  const labelled = logRows > 0 ? count(c['log_labelled_rows']) : labelledIndices(current).length;
  return { quarantinedRows: count(ingest?.data_quality?.['rows_quarantined']) || 0, labelledRowsInPeriod: labelled, newRows: count(c['new_rows']) };
}

async function main(): Promise<void> {
  const raw = await readParams();
  const p = driftParams(raw);
  const q = qualityParams(raw);
  const reference = parseDataset(await readTextInput(REFERENCE_CSV), { file: REFERENCE_CSV });
  const current = parseDataset(await readTextInput(CURRENT_CSV), { file: CURRENT_CSV });
  checkUsable(reference, REFERENCE_CSV, q.maxMissingFraction);
  checkUsable(current, CURRENT_CSV, q.maxMissingFraction);
  const champion = await readChampion();
  const scores = champion ? championScores(champion, reference, current) : null;
  const { thresholds: byStatistic, ...rest } = p;
  const thresholds = { ...snakeCase(rest), ...byStatistic, quality: snakeCase(q) };
  const report = analyseDrift(reference, current, p, q, scores, thresholds, await batchFacts(current));
  await writeJson(DRIFT_DETAILS, report);
  await writeJson(DRIFT_METRICS, driftHeadline(report));
  await writeOutput(DRIFT_REPORT, renderDriftReport(report, { referenceFile: REFERENCE_CSV, currentFile: CURRENT_CSV }));
  const rows = Object.entries(report.features).map(([name, f]) => [
    name, f.kind, f.method, formatNumber(f.score), String(f.threshold), f.drifted ? '1' : '0', formatNumber(f.psi), formatNumber(f.js_distance),
  ]);
  await writeOutput(DRIFT_PLOT, formatCsv(['feature', 'kind', 'method', 'score', 'threshold', 'drifted', 'psi', 'js_distance'], rows));
}

runStage('drift', main);
