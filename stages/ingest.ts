// Stage `ingest`: build the reference window and the current batch from the synthetic occupancy
// source, plus the logged production requests in data/logs: JSON lines the prediction service
// writes (*.jsonl), late labels joined to them by request id (labels*.jsonl), and labelled or
// unlabelled rows in the CSV schema (*.csv). Rows with a reading out of range or not finite are
// quarantined here (counted, never written to either batch). The reference is the champion's
// training window (bundle/reference.csv) when there is a champion and `data.reference` is
// `champion`; otherwise the months of `data.reference_months`.

import { readFile } from 'node:fs/promises';
import {
  checkUsable, concatDatasets, emptyDataset, formatDataset, labelledIndices, parseDataset, rowCount, selectRows, sortByTimestamp,
  FEATURE_NAMES, type Dataset, type FeatureName,
} from './lib/dataset.js';
import { listCsvFiles, readTextInput, runStage, writeJson, writeOutput } from './lib/io.js';
import { CHAMPION_REFERENCE, CURRENT_CSV, INGEST_METRICS, REFERENCE_CSV } from './lib/layout.js';
import { dataParams, qualityParams, readParams, referenceSourceParam, seedParam } from './lib/params.js';
import { countFlags, emptyQuarantine, isFlagged, readingFlags, type QuarantineCounts, type Ranges } from './lib/quality.js';
import { listLabelFiles, listRequestLogs, parseLabels, parseRequestLog } from './lib/request-log.js';
import { generateMonth } from './lib/synth.js';

/** The rows of `ds` whose readings pass the quality check (plus rows flagged upstream removed). */
function quarantine(ds: Dataset, ranges: Ranges, counts: QuarantineCounts, flaggedUpstream: readonly boolean[] = []): Dataset {
  const keep: number[] = [];
  for (let i = 0; i < rowCount(ds); i++) {
    const row = Object.fromEntries(FEATURE_NAMES.map((f) => [f, ds.features[f][i]!])) as Record<FeatureName, number>;
    const flags = readingFlags(row, ranges);
    // A non-finite reading reaches the log as null; the service's flag says what it was. (A row
    // flagged under other ranges than today's params, with every reading present, passes.)
    if (flaggedUpstream[i] && !isFlagged(flags)) flags.non_finite.push(...FEATURE_NAMES.filter((f) => Number.isNaN(row[f])));
    countFlags(counts, flags);
    if (!isFlagged(flags)) keep.push(i);
  }
  return selectRows(ds, keep);
}

async function championWindow(): Promise<string | undefined> {
  try {
    return await readFile(CHAMPION_REFERENCE, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

interface LoggedRows {
  rows: Dataset;
  files: string[];
  unfinishedLines: number;
  labelsJoined: number;
  labelsUnmatched: number;
}

/** Request logs with their late labels joined, and the CSV logs; quality-checked. */
async function loggedRows(dir: string, ranges: Ranges, counts: QuarantineCounts): Promise<LoggedRows> {
  let rows = emptyDataset();
  const csvFiles = await listCsvFiles(dir);
  for (const file of csvFiles) rows = concatDatasets(rows, quarantine(parseDataset(await readTextInput(file), { file }), ranges, counts));
  const labels = new Map<string, 0 | 1>();
  let unfinishedLines = 0;
  for (const file of await listLabelFiles(dir)) unfinishedLines += parseLabels(await readTextInput(file), file, labels).unfinishedLines;
  const requestFiles = await listRequestLogs(dir);
  const matched = new Set<string>();
  for (const file of requestFiles) {
    const parsed = parseRequestLog(await readTextInput(file), file);
    parsed.ids.forEach((id, i) => {
      const label = labels.get(id);
      if (label === undefined) return;
      parsed.rows.occupied[i] = label;
      matched.add(id);
    });
    rows = concatDatasets(rows, quarantine(parsed.rows, ranges, counts, parsed.flagged));
    unfinishedLines += parsed.unfinishedLines;
  }
  return { rows, files: [...csvFiles, ...requestFiles], unfinishedLines, labelsJoined: matched.size, labelsUnmatched: labels.size - matched.size };
}

async function main(): Promise<void> {
  const raw = await readParams();
  const seed = seedParam(raw);
  const data = dataParams(raw);
  const quality = qualityParams(raw);
  const referenceSource = referenceSourceParam(raw);
  const month = (m: number) => generateMonth({ seed, year: data.year, month: m, days: data.daysPerMonth, intervalMinutes: data.intervalMinutes });

  const counts = emptyQuarantine();
  const windowText = referenceSource === 'champion' ? await championWindow() : undefined;
  let reference = emptyDataset();
  if (windowText !== undefined) reference = parseDataset(windowText, { file: CHAMPION_REFERENCE });
  else for (const m of data.referenceMonths) reference = concatDatasets(reference, month(m));
  reference = quarantine(reference, quality.ranges, emptyQuarantine());
  const generated = quarantine(month(data.currentMonth), quality.ranges, counts);
  // Production logs join the current batch whatever their dates: they are the traffic seen
  // since the last run. Rows with an empty `occupied` are unlabelled requests.
  const logs = await loggedRows(data.logsDir, quality.ranges, counts);
  const current = sortByTimestamp(concatDatasets(generated, logs.rows));

  checkUsable(reference, REFERENCE_CSV, quality.maxMissingFraction);
  checkUsable(current, CURRENT_CSV, quality.maxMissingFraction);
  await writeOutput(REFERENCE_CSV, formatDataset(reference));
  await writeOutput(CURRENT_CSV, formatDataset(current));
  // Rows the reference already holds (the champion trained on them) are not new data.
  const known = new Set(reference.timestamp);
  // The CSVs' hashes are in pipeline.lock; the metrics say what a person compares.
  await writeJson(INGEST_METRICS, {
    // `params`: the months of data.reference_months; `champion`: bundle/reference.csv.
    reference: { source: windowText !== undefined ? 'champion' : 'params', rows: rowCount(reference) },
    current: {
      month: data.currentMonth,
      rows: rowCount(current),
      new_rows: current.timestamp.filter((t) => !known.has(t)).length,
      generated_rows: rowCount(generated),
      log_rows: rowCount(logs.rows),
      log_labelled_rows: labelledIndices(logs.rows).length,
      log_files: logs.files,
      log_unfinished_lines: logs.unfinishedLines,
      labelled_rows: labelledIndices(current).length,
      labels_joined: logs.labelsJoined,
      labels_unmatched: logs.labelsUnmatched,
    },
    data_quality: counts,
  });
}

runStage('ingest', main);
