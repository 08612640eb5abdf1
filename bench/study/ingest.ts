// The study's `ingest` stage: the example's synthetic office (stages/lib/synth.ts), laid out
// over many months instead of one year, with a concept change switched on at a chosen month.
// The example's own ingest knows one calendar year and no concept change; everything after
// ingest (drift, train, evaluate, package and their gates) is the example's, unchanged.
//
// Params (params.yaml, set by the study driver each month):
//   study.current             the simulated month being monitored (1, 2, …)
//   study.reference           the simulated months of the reference window
//   study.first_calendar_month  calendar month of simulated month 1 (puts summer where wanted)
//   study.concept_change      from this simulated month on, the office has daylight-linked
//                             automatic lighting: lamps on in working hours whether or not
//                             anyone is in, so light stops meaning "occupied" (P(y|x) changes)
import { concatDatasets, emptyDataset, formatDataset, rowCount, sortByTimestamp, type Dataset } from '../../stages/lib/dataset.js';
import { runStage, sha256, writeJson, writeOutput } from '../../stages/lib/io.js';
import { CURRENT_CSV, INGEST_METRICS, REFERENCE_CSV } from '../../stages/lib/layout.js';
import { intervalMinutesParam, readParams, seedParam, type RawParams } from '../../stages/lib/params.js';
import { deriveSeed, mulberry32, normal } from '../../stages/lib/prng.js';
import { generateMonth } from '../../stages/lib/synth.js';
import { calendarOf } from './calendar.js';

function studyInt(raw: RawParams, key: string): number {
  const value = (raw.study as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`parameter 'study.${key}' must be a whole number`);
  return value;
}

function studyMonths(raw: RawParams, key: string): number[] {
  const value = (raw.study as Record<string, unknown> | undefined)?.[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v))) throw new Error(`parameter 'study.${key}' must be a list of whole numbers`);
  return value as number[];
}

/** Lamps that a timer keeps on in working hours (workdays 7:00-19:00) when daylight is low. */
function automaticLighting(ds: Dataset, seed: number): Dataset {
  const rand = mulberry32(seed);
  const light = ds.features.light.map((lux, i) => {
    const workHours = ds.features.weekday[i]! < 5 && ds.features.hour[i]! >= 7 && ds.features.hour[i]! < 19;
    return workHours && ds.occupied[i] === 0 && lux < 250 ? Math.round((lux + normal(rand, 430, 30)) * 10) / 10 : lux;
  });
  return { ...ds, features: { ...ds.features, light } };
}

async function main(): Promise<void> {
  const raw = await readParams();
  const seed = seedParam(raw);
  const days = (raw.data as Record<string, unknown>).days_per_month as number;
  const intervalMinutes = intervalMinutesParam(raw);
  const first = studyInt(raw, 'first_calendar_month');
  const conceptChange = studyInt(raw, 'concept_change');
  const month = (t: number): Dataset => {
    const { year, month: calendarMonth, yearIndex } = calendarOf(t, first);
    // A different stream each simulated year, so year two is not year one again.
    const ds = generateMonth({ seed: seed + 7919 * yearIndex, year, month: calendarMonth, days, intervalMinutes });
    return t >= conceptChange ? automaticLighting(ds, deriveSeed(seed, `study-lighting-${t}`)) : ds;
  };
  let reference = emptyDataset();
  const referenceMonths = studyMonths(raw, 'reference');
  for (const t of referenceMonths) reference = concatDatasets(reference, month(t));
  reference = sortByTimestamp(reference);
  const currentMonth = studyInt(raw, 'current');
  const current = month(currentMonth);
  const referenceText = formatDataset(reference);
  const currentText = formatDataset(current);
  await writeOutput(REFERENCE_CSV, referenceText);
  await writeOutput(CURRENT_CSV, currentText);
  await writeJson(INGEST_METRICS, {
    reference: { months: referenceMonths, rows: rowCount(reference), sha256: sha256(referenceText) },
    current: { month: currentMonth, rows: rowCount(current), concept_changed: currentMonth >= conceptChange, sha256: sha256(currentText) },
  });
}

runStage('ingest', main);
