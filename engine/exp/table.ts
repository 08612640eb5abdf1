// `exp show` as data: experiments' params and metrics, the params that differ between rows,
// deltas against the baseline, sorting by a metric. Pure.
import { UserError } from '../errors.js';
import type { ValuesByFile } from '../report/compare.js';
import { decimalDifference } from '../report/decimal.js';
import type { ReportValue } from '../report/flatten.js';
import { formatChange, formatValue, type Table } from '../report/render.js';

/** One experiment (or the baseline it started from) as `exp show` lists it. */
export interface ExperimentRow {
  name: string;
  /** The commit holding its results (for the baseline, the baseline commit); null for the workspace. */
  commit: string | null;
  /** The commit it started from (the baseline's own commit for the baseline). */
  baseline: string | null;
  /** ISO time the experiment finished; null for the baseline. */
  created: string | null;
  params: ValuesByFile;
  metrics: ValuesByFile;
}

/** A column: `path:key` of a params or metrics file. */
export interface Column {
  path: string;
  key: string;
}

function get(values: ValuesByFile, column: Column): ReportValue | undefined {
  return Object.prototype.hasOwnProperty.call(values, column.path) ? values[column.path]![column.key] : undefined;
}

function columnsOf(rows: readonly ExperimentRow[], pick: (r: ExperimentRow) => ValuesByFile): Column[] {
  const seen = new Map<string, Column>();
  for (const row of rows) {
    for (const [path, values] of Object.entries(pick(row))) {
      for (const key of Object.keys(values)) if (!seen.has(`${path}\0${key}`)) seen.set(`${path}\0${key}`, { path, key });
    }
  }
  return [...seen.values()];
}

/** Every metric column, in first-seen order. */
export function metricColumns(rows: readonly ExperimentRow[]): Column[] {
  return columnsOf(rows, (r) => r.metrics);
}

/** Params whose value is not the same in every row: what the experiments changed. */
export function changedParamColumns(rows: readonly ExperimentRow[]): Column[] {
  return columnsOf(rows, (r) => r.params).filter((c) => new Set(rows.map((r) => JSON.stringify(get(r.params, c) ?? null))).size > 1);
}

/**
 * The metric column a `--sort-by` names: `key`, or `path:key` when several files have the key.
 * A UserError lists the choices when it names none, or several.
 */
export function findMetricColumn(rows: readonly ExperimentRow[], spec: string): Column {
  const columns = metricColumns(rows);
  const colon = spec.lastIndexOf(':');
  const exact = colon > 0 ? columns.filter((c) => c.path === spec.slice(0, colon) && c.key === spec.slice(colon + 1)) : [];
  const matches = exact.length ? exact : columns.filter((c) => c.key === spec);
  const choices = columns.map((c) => `${c.path}:${c.key}`);
  if (matches.length === 0) throw new UserError(`--sort-by ${spec}: no experiment has that metric`, { details: choices.length ? [`metrics: ${choices.join(', ')}`] : [] });
  if (matches.length > 1) throw new UserError(`--sort-by ${spec}: several files have it; write one of ${matches.map((c) => `${c.path}:${c.key}`).join(', ')}`);
  return matches[0]!;
}

/**
 * Rows sorted by a metric (ascending, or descending); rows without a numeric value for it go
 * last, in their original order, whatever the direction.
 */
export function sortByMetric(rows: readonly ExperimentRow[], column: Column, order: 'asc' | 'desc' = 'asc'): ExperimentRow[] {
  const sign = order === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, value: get(row.metrics, column) }))
    .sort((a, b) => {
      const an = typeof a.value === 'number' ? a.value : undefined;
      const bn = typeof b.value === 'number' ? b.value : undefined;
      if (an === undefined || bn === undefined) return an === bn ? a.index - b.index : an === undefined ? 1 : -1;
      return an === bn ? a.index - b.index : sign * (an - bn);
    })
    .map((x) => x.row);
}

/** Numeric change of every metric against the baseline's value, by path and key. */
export function metricDeltas(row: ExperimentRow, baseline: ExperimentRow | undefined): ValuesByFile {
  const deltas: ValuesByFile = {};
  if (!baseline) return deltas;
  for (const column of metricColumns([row])) {
    const now = get(row.metrics, column);
    const before = get(baseline.metrics, column);
    if (typeof now !== 'number' || typeof before !== 'number') continue;
    (deltas[column.path] ??= {})[column.key] = decimalDifference(now, before);
  }
  return deltas;
}

/** Short header for a column: the key alone unless another file has the same key. */
function header(column: Column, all: readonly Column[]): string {
  return all.filter((c) => c.key === column.key).length > 1 ? `${column.path}:${column.key}` : column.key;
}

/** What the table shows: by default only what tells the experiments apart. */
export interface TableOptions {
  /** Every metric column, not only the numbers and booleans that differ between rows. */
  allColumns?: boolean;
  /** Only metric columns whose `path:key` matches. */
  keep?: RegExp;
  /** Leave out metric columns whose `path:key` matches. */
  drop?: RegExp;
  /** A column shown first whatever the filters (the one sorted by). */
  first?: Column;
}

function differs(rows: readonly ExperimentRow[], column: Column): boolean {
  const values = rows.map((r) => get(r.metrics, column));
  return values.some((v) => typeof v === 'number' || typeof v === 'boolean') && new Set(values.map((v) => JSON.stringify(v ?? null))).size > 1;
}

/**
 * The table a person reads: one row per experiment (baseline first), metric columns with the
 * change against the baseline in brackets, then the params that differ between rows. Metric
 * files can hold hundreds of keys, so by default only numbers and booleans that differ show.
 */
export function experimentsTable(baseline: ExperimentRow | undefined, experiments: readonly ExperimentRow[], options: TableOptions = {}): Table {
  const all = baseline ? [baseline, ...experiments] : [...experiments];
  const same = (a: Column, b: Column | undefined) => b !== undefined && a.path === b.path && a.key === b.key;
  const wanted = (c: Column) => (!options.keep || options.keep.test(`${c.path}:${c.key}`)) && !options.drop?.test(`${c.path}:${c.key}`);
  const metrics = metricColumns(all).filter((c) => same(c, options.first) || ((options.allColumns || differs(all, c)) && wanted(c)));
  if (options.first) metrics.sort((a, b) => Number(same(b, options.first)) - Number(same(a, options.first)));
  // The params that differ are what tells the experiments apart: always shown.
  const params = changedParamColumns(all);
  const headers = ['Experiment', ...metrics.map((c) => header(c, metrics)), ...params.map((c) => header(c, params))];
  const rows = all.map((row) => {
    const deltas = row === baseline ? {} : metricDeltas(row, baseline);
    const metricCells = metrics.map((c) => {
      const value = formatValue(get(row.metrics, c));
      const change = get(deltas, c);
      return typeof change === 'number' ? `${value} (${change === 0 ? '±0' : formatChange(change)})` : value;
    });
    return [row === baseline ? `${row.name} (baseline)` : row.name, ...metricCells, ...params.map((c) => formatValue(get(row.params, c)))];
  });
  return { headers, rows };
}
