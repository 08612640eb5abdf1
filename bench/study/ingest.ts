// The study's `ingest` stage: the example's synthetic office (stages/lib/synth.ts) laid out over
// the simulated months of one scenario (scenarios.ts), with labels that arrive late. It keeps the
// example ingest's contract (stages/ingest.ts): rows with a reading out of range or not finite
// are quarantined and counted; the reference is the champion's training window
// (bundle/reference.csv) once there is a champion and `data.reference` is `champion`; the
// metrics carry what the drift stage's gates read. Everything after ingest (drift, train,
// evaluate, package, alert and their gates) is the example's, unchanged.
//
// In the run for simulated month t, with a label delay of d months, the labels of months up to
// L = t − d are known and no others. The traffic logged since the last labels is months L … t:
//   data/current.csv    month L, labelled (its labels have just arrived), and, when d > 0,
//                       month t without labels (the traffic being monitored now);
//   data/reference.csv  the champion's window, or before there is one, months L−3 … L−1.
// Params (params.yaml, set by the study driver each month): seed, data.days_per_month,
// data.interval_minutes, data.reference, quality, study.scenario, study.current (t),
// study.label_delay (d).
import { readFile } from 'node:fs/promises';
import {
  concatDatasets, FEATURE_NAMES, formatDataset, labelledIndices, parseDataset, rowCount, selectRows, sortByTimestamp, type Dataset, type FeatureName,
} from '../../stages/lib/dataset.js';
import { StageInputError } from '../../stages/lib/errors.js';
import { runStage, writeJson, writeOutput } from '../../stages/lib/io.js';
import { CHAMPION_REFERENCE, CURRENT_CSV, INGEST_METRICS, REFERENCE_CSV } from '../../stages/lib/layout.js';
import { intervalMinutesParam, qualityParams, readParams, referenceSourceParam, seedParam, type RawParams } from '../../stages/lib/params.js';
import { countFlags, emptyQuarantine, isFlagged, readingFlags, type QuarantineCounts, type Ranges } from '../../stages/lib/quality.js';
import { monthOfTimestamp, scenarioByName, studyMonth, type Scenario } from './scenarios.js';
import { labelWindow } from './window.js';

function studyParam(raw: RawParams, key: string): unknown {
  return (raw.study as Record<string, unknown> | undefined)?.[key];
}

function studyInt(raw: RawParams, key: string, min: number): number {
  const value = studyParam(raw, key);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new StageInputError(`parameter 'study.${key}' must be a whole number ≥ ${min}`);
  return value;
}

function withoutLabels(ds: Dataset): Dataset {
  return { ...ds, occupied: ds.occupied.map(() => Number.NaN) };
}

/** The rows whose readings pass the quality check, as the example's ingest keeps them. */
function quarantine(ds: Dataset, ranges: Ranges, counts: QuarantineCounts): Dataset {
  const keep: number[] = [];
  for (let i = 0; i < rowCount(ds); i++) {
    const flags = readingFlags(Object.fromEntries(FEATURE_NAMES.map((f) => [f, ds.features[f][i]!])) as Record<FeatureName, number>, ranges);
    countFlags(counts, flags);
    if (!isFlagged(flags)) keep.push(i);
  }
  return selectRows(ds, keep);
}

/** The simulated months of the labelled rows of `ds`. */
function monthsWithLabels(scenario: Scenario, ds: Dataset): number[] {
  return [...new Set(labelledIndices(ds).map((i) => monthOfTimestamp(scenario, ds.timestamp[i]!)))].sort((a, b) => a - b);
}

async function championWindow(): Promise<string | undefined> {
  return readFile(CHAMPION_REFERENCE, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

async function main(): Promise<void> {
  const raw = await readParams();
  const seed = seedParam(raw);
  const days = (raw.data as Record<string, unknown>).days_per_month as number;
  const quality = qualityParams(raw);
  const scenarioName = studyParam(raw, 'scenario');
  if (typeof scenarioName !== 'string') throw new StageInputError(`parameter 'study.scenario' must be a scenario's name`);
  const scenario = scenarioByName(scenarioName);
  const t = studyInt(raw, 'current', 0);
  const window = labelWindow(t, studyInt(raw, 'label_delay', 0));
  const month = (m: number) => studyMonth(scenario, seed, m, { days, intervalMinutes: intervalMinutesParam(raw) });

  const windowText = referenceSourceParam(raw) === 'champion' ? await championWindow() : undefined;
  let reference = windowText === undefined ? window.reference.map(month).reduce(concatDatasets) : parseDataset(windowText, { file: CHAMPION_REFERENCE });
  reference = sortByTimestamp(quarantine(reference, quality.ranges, emptyQuarantine()));
  const counts = emptyQuarantine();
  let traffic = month(window.labelled);
  if (window.unlabelled !== undefined) traffic = concatDatasets(traffic, withoutLabels(month(window.unlabelled)));
  const current = sortByTimestamp(quarantine(traffic, quality.ranges, counts));
  await writeOutput(REFERENCE_CSV, formatDataset(reference));
  await writeOutput(CURRENT_CSV, formatDataset(current));
  const known = new Set(reference.timestamp);
  const labelled = labelledIndices(current).length;
  await writeJson(INGEST_METRICS, {
    scenario: scenario.name,
    reference: { source: windowText !== undefined ? 'champion' : 'history', months: windowText !== undefined ? null : window.reference, rows: rowCount(reference) },
    current: {
      month: t,
      rows: rowCount(current),
      new_rows: current.timestamp.filter((ts) => !known.has(ts)).length,
      // The batch is logged traffic whose labels came late (none with no delay: then the month's own labelled rows count).
      log_rows: window.unlabelled === undefined ? 0 : rowCount(current),
      log_labelled_rows: window.unlabelled === undefined ? 0 : labelled,
      labelled_rows: labelled,
    },
    data_quality: counts,
    // Every simulated month whose labels are in the CSVs: the study checks none is newer than t − d.
    labelled_months: [...new Set([...monthsWithLabels(scenario, reference), ...monthsWithLabels(scenario, current)])].sort((a, b) => a - b),
  });
}

runStage('ingest', main);
