// One policy run: a scenario, a seed and a policy, month by month through the real engine
// (`runRepro` on a copy of the example, workspace.ts) and the example's real stages. What the
// policy sees is what the example's pipeline sees; what the study measures (the true accuracy of
// the model in production) it computes from labels no policy is given.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { runRepro } from '../../engine/api/repro.js';
import type { RunReporter } from '../../engine/run/output.js';
import { expectedPerformance, fitIsotonic } from '../../stages/lib/cbpe.js';
import { labelledIndices, parseDataset, selectRows, type Dataset } from '../../stages/lib/dataset.js';
import { parseModel, scoreDataset, type OccupancyModel } from '../../stages/lib/model.js';
import { type MonthRecord, type Policy, type PolicyRun, type Trigger } from './policy.js';
import { studyMonth, type MonthShape, type Scenario } from './scenarios.js';
import { createCopy, folderBytes, removeStudyFolder, STUDY_INGEST, STUDY_PROGRAMS, type StudyFolder } from './workspace.js';

export interface RunSpec {
  scenario: Scenario;
  seed: number;
  policy: Policy;
  months: number;
  labelDelay: number;
  shape: MonthShape;
}

const silent: RunReporter = { begin() {}, stageStarted() {}, stageOutput() {}, stageDone() {}, info() {}, end() {} };

/** The example's pipeline with the study's ingest, no `build` stage (compiled once), and a calendar policy's gates. */
export function studyPipeline(text: string, policy: Policy): string {
  const doc = parseDocument(text);
  doc.deleteIn(['stages', 'build']);
  doc.setIn(['stages', 'ingest', 'cmd'], `node ${STUDY_INGEST}`);
  // The example ingest's deps on its own program go; the rest (a champion's window, logs) stay.
  const deps = (doc.getIn(['stages', 'ingest', 'deps']) as { toJSON(): unknown[] }).toJSON().filter((d) => typeof d !== 'string' || !d.startsWith('build/stages/'));
  doc.setIn(['stages', 'ingest', 'deps'], doc.createNode([...STUDY_PROGRAMS.map((p) => `build/bench/study/${p}`), 'build/stages/lib', ...deps]));
  const params = (doc.getIn(['stages', 'ingest', 'params']) as { toJSON(): unknown[] }).toJSON();
  doc.setIn(['stages', 'ingest', 'params'], doc.createNode([...params, 'study.scenario', 'study.current', 'study.label_delay']));
  if (policy.retrainsIn) {
    for (const stage of ['train', 'evaluate']) {
      if (!doc.hasIn(['stages', stage, 'when'])) throw new Error(`pipeline.yaml: stage '${stage}' has no gate for the study to replace`);
      doc.setIn(['stages', stage, 'when', 'if'], '${study.retrain}');
    }
  }
  return doc.toString();
}

export async function setMonthParams(copy: string, spec: RunSpec, t: number): Promise<void> {
  const path = join(copy, 'params.yaml');
  const doc = parseDocument(await readFile(path, 'utf8'));
  doc.setIn(['seed'], spec.seed);
  doc.setIn(['data', 'days_per_month'], spec.shape.days);
  doc.setIn(['data', 'interval_minutes'], spec.shape.intervalMinutes);
  // Month 0 trains the first model (no champion: every policy's gate opens).
  const retrain = t === 0 || (spec.policy.retrainsIn?.(t) ?? false);
  doc.setIn(['study'], doc.createNode({ scenario: spec.scenario.name, current: t, label_delay: spec.labelDelay, retrain }));
  await writeFile(path, doc.toString());
}

async function readJsonFile<T>(path: string): Promise<T | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/**
 * True accuracy of `model` on every row of the month, and the accuracy the drift gate's
 * estimator (CBPE, stages/lib/cbpe.ts: scores calibrated on the labelled reference) expects
 * from the month's unlabelled rows.
 */
export function servingAccuracy(model: OccupancyModel, month: Dataset, reference: Dataset): { accuracy: number; estimated: number } {
  const scores = scoreDataset(model, month);
  let right = 0;
  scores.forEach((p, i) => (right += Number((p >= model.decision_threshold ? 1 : 0) === month.occupied[i])));
  const labelled = selectRows(reference, labelledIndices(reference));
  const calibration = fitIsotonic(scoreDataset(model, labelled), labelled.occupied);
  const estimate = expectedPerformance(scores, calibration, model.decision_threshold);
  return { accuracy: right / scores.length, estimated: estimate?.accuracy ?? Number.NaN };
}

interface DriftMetrics {
  retrain_recommended?: boolean;
  data_quality_alert?: boolean;
  dataset_drift?: boolean;
  performance_drift?: boolean;
  new_data_fraction?: number;
  champion_exists?: boolean;
}

interface DriftDetails {
  drifted_features?: string[];
  features?: Record<string, { quality?: { current?: { out_of_range?: number; longest_constant_run?: number } } }>;
}

function gateTriggers(metrics: DriftMetrics, volumeAt: number): Trigger[] {
  const open: Trigger[] = [];
  if (metrics.champion_exists === false) open.push('no champion');
  if (metrics.dataset_drift) open.push('dataset drift');
  if (metrics.performance_drift) open.push('performance drift');
  if ((metrics.new_data_fraction ?? 0) >= volumeAt) open.push('volume');
  return open;
}

/** Readings outside params.yaml's ranges, or a sensor stuck longer than allowed, in the current batch. */
function qualityAlert(details: DriftDetails, maxConstantRun: number): boolean {
  return Object.values(details.features ?? {}).some((f) => (f.quality?.current?.out_of_range ?? 0) > 0 || (f.quality?.current?.longest_constant_run ?? 0) > maxConstantRun);
}

async function monthParams(copy: string): Promise<{ volumeAt: number; maxConstantRun: number }> {
  const doc = parseDocument(await readFile(join(copy, 'params.yaml'), 'utf8'));
  return { volumeAt: Number(doc.getIn(['triggers', 'new_data_fraction'])), maxConstantRun: Number(doc.getIn(['quality', 'max_constant_run'])) };
}

/** Run the pipeline for month t and read what it did. */
async function runMonth(copy: string, spec: RunSpec, t: number, champion: OccupancyModel | undefined): Promise<MonthRecord | undefined> {
  await setMonthParams(copy, spec, t);
  // No run-cache: a policy's compute must be its own, never restored from an earlier month.
  const summary = await runRepro(copy, { runCache: false, quiet: true, handleSignals: false, reporter: silent });
  if (summary.failed || summary.interrupted) {
    const failed = summary.results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.error ?? ''}`);
    throw new Error(`${spec.scenario.name} seed ${spec.seed} policy ${spec.policy.name}, month ${t}: the pipeline failed\n${failed.join('\n')}`);
  }
  if (!champion) return undefined;
  const status = (name: string) => summary.results.find((r) => r.name === name)?.status;
  const metrics = (await readJsonFile<DriftMetrics>(join(copy, 'metrics/drift.json'))) ?? {};
  const details = (await readJsonFile<DriftDetails>(join(copy, 'reports/drift.json'))) ?? {};
  const ingest = (await readJsonFile<{ labelled_months: number[] }>(join(copy, 'metrics/ingest.json')))!;
  const params = await monthParams(copy);
  const train = summary.results.find((r) => r.name === 'train');
  const retrained = train?.status === 'ran';
  const reference = parseDataset(await readFile(join(copy, 'data/reference.csv'), 'utf8'), { file: 'data/reference.csv' });
  const served = servingAccuracy(champion, studyMonth(spec.scenario, spec.seed, t, spec.shape), reference);
  return {
    month: t,
    retrained,
    promoted: status('package') === 'ran',
    accuracy: served.accuracy,
    estimatedAccuracy: served.estimated,
    trainSeconds: retrained ? train.durationMs / 1000 : 0,
    drift: Boolean(metrics.dataset_drift || metrics.performance_drift),
    driftedFeatures: details.drifted_features ?? [],
    gateOpen: metrics.retrain_recommended ?? gateTriggers(metrics, params.volumeAt).length > 0,
    qualityAlert: metrics.data_quality_alert ?? qualityAlert(details, params.maxConstantRun),
    triggers: !retrained ? [] : spec.policy.retrainsIn ? ['calendar'] : gateTriggers(metrics, params.volumeAt),
    labelledMonths: ingest.labelled_months,
  };
}

async function readChampion(copy: string): Promise<OccupancyModel | undefined> {
  const value = await readJsonFile<unknown>(join(copy, 'bundle/model.json'));
  return value === undefined ? undefined : parseModel(value, 'bundle/model.json');
}

/** One policy over every month, in its own copy with a cache of its own; month 0 trains the first model. */
export async function runPolicy(folder: StudyFolder, projectRoot: string, spec: RunSpec, log: (line: string) => void): Promise<PolicyRun> {
  const pipeline = studyPipeline(await readFile(join(projectRoot, 'pipeline.yaml'), 'utf8'), spec.policy);
  const copy = await createCopy(folder, projectRoot, `${spec.scenario.name}-${spec.seed}-${spec.policy.name}`, pipeline);
  try {
    await runMonth(copy, spec, 0, undefined);
    const firstModelBytes = await folderBytes(join(copy, '.dvc-ts/cache'));
    const months: MonthRecord[] = [];
    for (let t = 1; t <= spec.months; t++) {
      const record = (await runMonth(copy, spec, t, await readChampion(copy)))!;
      months.push(record);
      log(
        `${spec.scenario.name} seed ${spec.seed} ${spec.policy.name.padEnd(7)} month ${String(t).padStart(2)}: accuracy ${record.accuracy.toFixed(3)} (estimated ${record.estimatedAccuracy.toFixed(3)})` +
          `${record.drift ? `, drift (${[...record.driftedFeatures, ...(record.triggers.includes('performance drift') ? ['performance'] : [])].join(' ')})` : ''}${record.qualityAlert ? ', data quality' : ''}${record.retrained ? `, retrained (${record.triggers.join(' + ')})` : ''}${record.promoted ? ', promoted' : ''}`,
      );
    }
    const cacheBytesAdded = (await folderBytes(join(copy, '.dvc-ts/cache'))) - firstModelBytes;
    return { scenario: spec.scenario.name, seed: spec.seed, policy: spec.policy.name, months, cacheBytesAdded };
  } finally {
    await removeStudyFolder(copy);
  }
}

