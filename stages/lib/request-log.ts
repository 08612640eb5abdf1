// The prediction service's request logs (serve/log-writer.ts): JSON lines, one scored row per
// line — {timestamp, request_id, model_version, score, prediction, features: {temperature, …},
// quality?: {out_of_range: […], non_finite: […]}} — read back as unlabelled rows of the occupancy
// schema. Late labels come beside them in labels files (labels-*.jsonl): one
// {"request_id": "…", "occupied": 0 | 1} per line, from POST /feedback or written by hand for a
// batch join; ingest joins them to the requests by id. A last line without its newline is a write
// still in progress (the service may be running): it is left for the next run, not read half-written.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyDataset, FEATURE_NAMES, type Dataset } from './dataset.js';
import { StageInputError } from './errors.js';

export const REQUEST_LOG_EXTENSION = '.jsonl';
/** Labels files start with this; every other .jsonl file in the logs folder is a request log. */
export const LABELS_PREFIX = 'labels';

export interface RequestLogRows {
  rows: Dataset;
  /** Each row's request id ('' for lines written before ids existed). */
  ids: string[];
  /** Rows the service flagged on entry (a reading out of range or not finite). */
  flagged: boolean[];
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

/** The parsed lines of a JSON-lines file, with their line numbers; a torn last line is left out. */
function jsonLines(text: string, file: string): { records: { value: unknown; line: number }[]; unfinished: number } {
  const lines = text.split('\n');
  const unfinished = lines.pop() !== '' ? 1 : 0;
  const records: { value: unknown; line: number }[] = [];
  lines.forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    try {
      records.push({ value: JSON.parse(lineText) as unknown, line: i + 1 });
    } catch (e) {
      throw new StageInputError(jsonErrorAt((e as Error).message, file, i + 1));
    }
  });
  return { records, unfinished };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseRequestLog(text: string, file: string): RequestLogRows {
  const out: RequestLogRows = { rows: emptyDataset(), ids: [], flagged: [], unfinishedLines: 0 };
  const { records, unfinished } = jsonLines(text, file);
  out.unfinishedLines = unfinished;
  for (const { value: r, line } of records) {
    if (!isRecord(r) || typeof r['timestamp'] !== 'string' || !isRecord(r['features'])) {
      throw new StageInputError(`${file}:${line}: expected {"timestamp": "…", "features": {…}, …}`);
    }
    const features = r['features'];
    out.rows.timestamp.push(r['timestamp']);
    for (const name of FEATURE_NAMES) {
      const v = features[name];
      if (v === null || v === undefined) out.rows.features[name].push(Number.NaN);
      else if (typeof v === 'number' && Number.isFinite(v)) out.rows.features[name].push(v);
      else throw new StageInputError(`${file}:${line}: feature '${name}' is ${JSON.stringify(v)}; expected a number or null`);
    }
    out.rows.occupied.push(Number.NaN);
    out.ids.push(typeof r['request_id'] === 'string' ? r['request_id'] : '');
    const q = r['quality'];
    out.flagged.push(isRecord(q) && [q['out_of_range'], q['non_finite']].some((l) => Array.isArray(l) && l.length > 0));
  }
  return out;
}

export interface LabelsFile {
  /** request id → label; a later line for the same id overrides an earlier one. */
  labels: Map<string, 0 | 1>;
  unfinishedLines: number;
}

/** A labels file: {"request_id": "…", "occupied": 0 | 1} per line (other fields are ignored). */
export function parseLabels(text: string, file: string, into: Map<string, 0 | 1> = new Map()): LabelsFile {
  const { records, unfinished } = jsonLines(text, file);
  for (const { value: r, line } of records) {
    if (!isRecord(r) || typeof r['request_id'] !== 'string' || r['request_id'] === '' || (r['occupied'] !== 0 && r['occupied'] !== 1)) {
      throw new StageInputError(`${file}:${line}: expected {"request_id": "…", "occupied": 0 or 1}`);
    }
    into.set(r['request_id'], r['occupied']);
  }
  return { labels: into, unfinishedLines: unfinished };
}

async function jsonlFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => n.endsWith(REQUEST_LOG_EXTENSION) && !n.startsWith('.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The request logs in a directory (sorted), or none when it does not exist. */
export async function listRequestLogs(dir: string): Promise<string[]> {
  return (await jsonlFiles(dir)).filter((n) => !n.startsWith(LABELS_PREFIX)).map((n) => join(dir, n));
}

/** The labels files in a directory (sorted), or none when it does not exist. */
export async function listLabelFiles(dir: string): Promise<string[]> {
  return (await jsonlFiles(dir)).filter((n) => n.startsWith(LABELS_PREFIX)).map((n) => join(dir, n));
}
