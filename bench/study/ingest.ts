// The study's `ingest` stage: the example's synthetic office (stages/lib/synth.ts) laid out over
// the simulated months of one scenario (scenarios.ts), with labels that arrive late. Everything
// after ingest (drift, train, evaluate, package, alert and their gates) is the example's, unchanged.
//
// In the run for simulated month t, with a label delay of d months, the labels of months up to
// L = t − d are known and no others:
//   data/reference.csv  months L−3 … L−1, labelled (the training window);
//   data/current.csv    month L, labelled (its labels have just arrived), and, when d > 0,
//                       month t without labels (the traffic being monitored now).
// Params (params.yaml, set by the study driver each month): seed, data.days_per_month,
// data.interval_minutes, study.scenario, study.current (t), study.label_delay (d).
import { concatDatasets, formatDataset, labelledIndices, rowCount, sortByTimestamp, type Dataset } from '../../stages/lib/dataset.js';
import { runStage, sha256, writeJson, writeOutput } from '../../stages/lib/io.js';
import { CURRENT_CSV, INGEST_METRICS, REFERENCE_CSV } from '../../stages/lib/layout.js';
import { intervalMinutesParam, readParams, seedParam, type RawParams } from '../../stages/lib/params.js';
import { StageInputError } from '../../stages/lib/errors.js';
import { scenarioByName, studyMonth } from './scenarios.js';
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

async function main(): Promise<void> {
  const raw = await readParams();
  const seed = seedParam(raw);
  const days = (raw.data as Record<string, unknown>).days_per_month as number;
  const intervalMinutes = intervalMinutesParam(raw);
  const scenarioName = studyParam(raw, 'scenario');
  if (typeof scenarioName !== 'string') throw new StageInputError(`parameter 'study.scenario' must be a scenario's name`);
  const scenario = scenarioByName(scenarioName);
  const t = studyInt(raw, 'current', 0);
  const window = labelWindow(t, studyInt(raw, 'label_delay', 0));
  const month = (m: number) => studyMonth(scenario, seed, m, { days, intervalMinutes });

  let reference = month(window.reference[0]!);
  for (const m of window.reference.slice(1)) reference = concatDatasets(reference, month(m));
  let current = month(window.labelled);
  if (window.unlabelled !== undefined) current = concatDatasets(current, withoutLabels(month(window.unlabelled)));
  reference = sortByTimestamp(reference);
  current = sortByTimestamp(current);
  const referenceText = formatDataset(reference);
  const currentText = formatDataset(current);
  await writeOutput(REFERENCE_CSV, referenceText);
  await writeOutput(CURRENT_CSV, currentText);
  await writeJson(INGEST_METRICS, {
    scenario: scenario.name,
    reference: { months: window.reference, rows: rowCount(reference), sha256: sha256(referenceText) },
    current: {
      month: t,
      rows: rowCount(current),
      labelled_rows: labelledIndices(current).length,
      sha256: sha256(currentText),
    },
    // Every simulated month whose labels are in the CSVs: the study checks none is newer than t − d.
    labelled_months: [...window.reference, window.labelled],
  });
}

runStage('ingest', main);
