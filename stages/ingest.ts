// Stage `ingest`: build the reference (training) window and the current batch from the
// synthetic occupancy source, plus the logged production requests in data/logs: JSON lines the
// prediction service writes (*.jsonl), and labelled or unlabelled rows in the CSV schema (*.csv).

import { checkUsable, concatDatasets, emptyDataset, formatDataset, labelledIndices, parseDataset, rowCount, sortByTimestamp } from './lib/dataset.js';
import { listCsvFiles, readTextInput, runStage, writeJson, writeOutput } from './lib/io.js';
import { CURRENT_CSV, INGEST_METRICS, REFERENCE_CSV } from './lib/layout.js';
import { dataParams, maxMissingFractionParam, readParams, seedParam } from './lib/params.js';
import { listRequestLogs, parseRequestLog } from './lib/request-log.js';
import { generateMonth } from './lib/synth.js';

async function main(): Promise<void> {
  const raw = await readParams();
  const seed = seedParam(raw);
  const data = dataParams(raw);
  const maxMissing = maxMissingFractionParam(raw);
  const month = (m: number) => generateMonth({ seed, year: data.year, month: m, days: data.daysPerMonth, intervalMinutes: data.intervalMinutes });

  let reference = emptyDataset();
  for (const m of data.referenceMonths) reference = concatDatasets(reference, month(m));
  const generated = month(data.currentMonth);

  // Production logs join the current batch whatever their dates: they are the traffic seen
  // since the last run. Rows with an empty `occupied` are unlabelled requests.
  let logs = emptyDataset();
  const logFiles = await listCsvFiles(data.logsDir);
  for (const file of logFiles) logs = concatDatasets(logs, parseDataset(await readTextInput(file), { file }));
  const requestLogFiles = await listRequestLogs(data.logsDir);
  let unfinishedLines = 0;
  for (const file of requestLogFiles) {
    const parsed = parseRequestLog(await readTextInput(file), file);
    logs = concatDatasets(logs, parsed.rows);
    unfinishedLines += parsed.unfinishedLines;
  }
  const current = sortByTimestamp(concatDatasets(generated, logs));

  checkUsable(reference, REFERENCE_CSV, maxMissing);
  checkUsable(current, CURRENT_CSV, maxMissing);
  const referenceText = formatDataset(reference);
  const currentText = formatDataset(current);
  await writeOutput(REFERENCE_CSV, referenceText);
  await writeOutput(CURRENT_CSV, currentText);
  // The CSVs' hashes are in pipeline.lock; the metrics say what a person compares.
  await writeJson(INGEST_METRICS, {
    reference: { months: data.referenceMonths, rows: rowCount(reference) },
    current: {
      month: data.currentMonth,
      rows: rowCount(current),
      generated_rows: rowCount(generated),
      log_rows: rowCount(logs),
      log_files: [...logFiles, ...requestLogFiles],
      log_unfinished_lines: unfinishedLines,
      labelled_rows: labelledIndices(current).length,
    },
  });
}

runStage('ingest', main);
