// Metrics: which files are metrics at a revision, their values, `show` across revisions and
// `diff` between two.
import { UserError, UserErrors } from '../errors.js';
import type { ObjectStore } from '../cache/store.js';
import type { Snapshot } from '../git/snapshot.js';
import type { Pipeline } from '../types.js';
import { diffValues, type DiffRow, type ValuesByFile } from './compare.js';
import { parseDataText } from './data-file.js';
import { flattenData, setKey } from './flatten.js';
import { formatChange, formatValue, type Table } from './render.js';

/** A file a report could not read, with the message to show. */
export interface FileError {
  path: string;
  message: string;
}

/** What one revision's metrics files hold. */
export interface MetricsAtRevision {
  values: ValuesByFile;
  errors: FileError[];
}

/** Metrics files of a pipeline (pure): stage `metrics:` outs, then top-level `metrics:`, once each. */
export function metricFiles(pipeline: Pipeline): string[] {
  const files = new Set<string>();
  for (const stage of pipeline.stages) for (const out of stage.outs) if (out.kind === 'metric') files.add(out.path);
  for (const path of pipeline.metrics) files.add(path);
  return [...files];
}

function messageOf(e: unknown): string {
  if (e instanceof UserError) return e.format();
  throw e;
}

/**
 * Read and flatten every metrics file of a snapshot. A file that cannot be read or parsed is
 * reported in `errors` (named, located) rather than thrown, so one bad revision does not hide
 * the others.
 */
export async function readMetrics(snapshot: Snapshot, store: ObjectStore): Promise<MetricsAtRevision> {
  const result: MetricsAtRevision = { values: {}, errors: [] };
  let pipeline: Pipeline | undefined;
  try {
    pipeline = await snapshot.pipeline();
  } catch (e) {
    result.errors.push({ path: snapshot.shown('pipeline'), message: messageOf(e) });
    return result;
  }
  for (const o of pipeline?.outsidePaths ?? []) {
    if (o.key === 'metrics') result.errors.push({ path: o.written, message: new UserError(`metrics file '${o.written}' is outside the repository`, { pos: o.pos }).format() });
  }
  if (!pipeline) return result;
  for (const path of metricFiles(pipeline)) {
    try {
      for (const file of await snapshot.readOut(path, store)) {
        setKey(result.values, file.path, flattenData(parseDataText(file.path, file.text, snapshot.shown(file.path))));
      }
    } catch (e) {
      // Parse errors already name the file as `rev:path`; read errors say which revision.
      result.errors.push({ path, message: messageOf(e) });
    }
  }
  return result;
}

/** Metrics of two snapshots compared; a UserError (naming each bad file) when either side has one. */
export async function diffMetrics(
  oldSide: Snapshot,
  newSide: Snapshot,
  store: ObjectStore,
  options: { all?: boolean } = {},
): Promise<DiffRow[]> {
  const [before, after] = await Promise.all([readMetrics(oldSide, store), readMetrics(newSide, store)]);
  const errors = [...before.errors, ...after.errors];
  if (errors.length > 0) {
    const list = errors.map((e) => new UserError(e.message));
    throw list.length === 1 ? list[0]! : new UserErrors(list);
  }
  return diffValues(before.values, after.values, options);
}

/** One revision's row set in `metrics show`. */
export interface MetricsShowEntry extends MetricsAtRevision {
  label: string;
  commit: string | undefined;
}

/** `metrics show` as a table (pure): Revision (when several), Path, Metric, Value. */
export function metricsShowTable(entries: readonly MetricsShowEntry[]): Table {
  const withRevision = entries.length > 1;
  const table: Table = { headers: [...(withRevision ? ['Revision'] : []), 'Path', 'Metric', 'Value'], rows: [] };
  for (const entry of entries) {
    const files = Object.entries(entry.values);
    if (files.length === 0 && entry.errors.length === 0 && withRevision) {
      table.rows.push([entry.label, '-', '-', '-']);
    }
    for (const [path, values] of files) {
      for (const [key, value] of Object.entries(values)) {
        table.rows.push([...(withRevision ? [entry.label] : []), path, key, formatValue(value)]);
      }
    }
  }
  return table;
}

/** A diff as a table (pure): Path, <key header>, <old label>, <new label>, Change. */
export function diffTable(rows: readonly DiffRow[], labels: { old: string; new: string }, keyHeader: string): Table {
  return {
    headers: ['Path', keyHeader, labels.old, labels.new, 'Change'],
    rows: rows.map((r) => [r.path, r.key, formatValue(r.old), formatValue(r.new), formatChange(r.change)]),
  };
}
