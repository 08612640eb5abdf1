// The prediction service's request logs (serve/log-writer.ts): JSON lines, one scored row per
// line — {timestamp, model_version, score, prediction, features: {temperature, …}} — read back
// as unlabelled rows of the occupancy schema. A last line without its newline is a write still
// in progress (the service may be running): it is left for the next run, not read half-written.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyDataset, FEATURE_NAMES, type Dataset } from './dataset.js';
import { StageInputError } from './errors.js';

export const REQUEST_LOG_EXTENSION = '.jsonl';

export interface RequestLogRows {
  rows: Dataset;
  /** 1 when the file ends in a line still being written (not read), else 0. */
  unfinishedLines: number;
}

/** `file:line[:column]: not valid JSON (why)`; V8 gives the column for some errors only. */
function jsonErrorAt(message: string, file: string, line: number): string {
  const position = /at position (\d+)/.exec(message);
  const where = position ? `${file}:${line}:${Number(position[1]) + 1}` : `${file}:${line}`;
  const why = message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/, '');
  return `${where}: not valid JSON (${why})`;
}

export function parseRequestLog(text: string, file: string): RequestLogRows {
  const rows = emptyDataset();
  const lines = text.split('\n');
  const unfinished = lines.pop() !== '' ? 1 : 0;
  lines.forEach((lineText, i) => {
    const line = i + 1;
    if (lineText.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(lineText);
    } catch (e) {
      throw new StageInputError(jsonErrorAt((e as Error).message, file, line));
    }
    const r = record as { timestamp?: unknown; features?: unknown } | null;
    if (typeof r !== 'object' || r === null || typeof r.timestamp !== 'string' || typeof r.features !== 'object' || r.features === null) {
      throw new StageInputError(`${file}:${line}: expected {"timestamp": "…", "features": {…}, …}`);
    }
    const features = r.features as Record<string, unknown>;
    rows.timestamp.push(r.timestamp);
    for (const name of FEATURE_NAMES) {
      const v = features[name];
      if (v === null || v === undefined) rows.features[name].push(Number.NaN);
      else if (typeof v === 'number' && Number.isFinite(v)) rows.features[name].push(v);
      else throw new StageInputError(`${file}:${line}: feature '${name}' is ${JSON.stringify(v)}; expected a number or null`);
    }
    rows.occupied.push(Number.NaN);
  });
  return { rows, unfinishedLines: unfinished };
}

/** The request logs in a directory (sorted), or none when it does not exist. */
export async function listRequestLogs(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => n.endsWith(REQUEST_LOG_EXTENSION) && !n.startsWith('.')).sort().map((n) => join(dir, n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
