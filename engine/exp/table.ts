// `exp show` as data: experiments' params and metrics, the params that differ between rows,
// deltas against the baseline, sorting by a metric. Pure.
import { UserError } from '../errors.js';
import type { ValuesByFile } from '../report/compare.js';
import { decimalDifference } from '../report/decimal.js';
import type { ReportValue } from '../report/flatten.js';
import { formatValue, type Table } from '../report/render.js';

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

/** What a row of `exp show` is: a baseline commit, a saved experiment, or one in the queue. */
export type RowState = 'baseline' | 'success' | 'queued' | 'running' | 'failed';

/** A row as the table shows it: its values, its deltas against its baseline, its state. */
export interface ShowRow extends ExperimentRow {
  state: RowState;
  deltas?: ValuesByFile;
  /** Dependency path → hash, from the row's lock. */
  deps?: Record<string, string>;
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
  /** Significant digits of numbers (DVC's `--precision`, 5 by default). */
  precision?: number;
  /** Plain values without deltas (CSV). */
  plain?: boolean;
}

function differs(rows: readonly ExperimentRow[], column: Column): boolean {
  const values = rows.map((r) => get(r.metrics, column));
  return values.some((v) => typeof v === 'number' || typeof v === 'boolean') && new Set(values.map((v) => JSON.stringify(v ?? null))).size > 1;
}

/** A number to `precision` significant digits, integers whole; other values as they are. */
export function formatCell(value: ReportValue | undefined | null, precision: number): string {
  if (typeof value !== 'number' || Number.isInteger(value) || !Number.isFinite(value)) return formatValue(value);
  return String(Number(value.toPrecision(precision)));
}

/**
 * Flattened params shown as they are written: keys of a list (`l2.0`, `l2.1`) gathered back into
 * one column `l2` holding `[0.1, 0.2]`, so a list reads as a list. Pure.
 */
export function gatherLists(values: ValuesByFile): ValuesByFile {
  const out: ValuesByFile = {};
  for (const [path, flat] of Object.entries(values)) {
    const groups = new Map<string, string[]>();
    for (const key of Object.keys(flat)) {
      const m = /^(.+)\.(\d+)$/.exec(key);
      if (m) groups.set(m[1]!, [...(groups.get(m[1]!) ?? []), m[2]!]);
    }
    const isList = (prefix: string) => {
      const indices = groups.get(prefix);
      return indices !== undefined && !(prefix in flat) && indices.every((i, n) => i === String(n));
    };
    const kept: Record<string, ReportValue> = {};
    for (const [key, value] of Object.entries(flat)) {
      const prefix = /^(.+)\.(\d+)$/.exec(key)?.[1];
      if (prefix === undefined || !isList(prefix)) kept[key] = value;
      else if (!(prefix in kept)) {
        const items = groups.get(prefix)!.map((i) => flat[`${prefix}.${i}`]!);
        kept[prefix] = `[${items.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}]`;
      }
    }
    out[path] = kept;
  }
  return out;
}

/** A param header: the key alone for the default params file unless another file has it. */
function paramHeader(column: Column, all: readonly Column[]): string {
  return column.path === 'params.yaml' && all.filter((c) => c.key === column.key).length === 1 ? column.key : `${column.path}:${column.key}`;
}

/** Dependencies whose hash is not the same in every row (the code or data an experiment changed). */
function changedDeps(rows: readonly ShowRow[]): string[] {
  const paths = [...new Set(rows.flatMap((r) => Object.keys(r.deps ?? {})))];
  return paths.filter((p) => new Set(rows.filter((r) => r.deps).map((r) => r.deps![p] ?? '')).size > 1);
}

const STATE_LABEL: Record<RowState, string> = { baseline: '', success: '', queued: 'Queued', running: 'Running', failed: 'Failed' };

/** `YYYY-MM-DD HH:MM` in local time, or '-'. */
function createdCell(iso: string | null): string {
  if (!iso) return '-';
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * The table a person reads (or CSV): one row per baseline and experiment, each baseline before
 * its experiments; Created; State when a row is queued, running or failed; metric columns named
 * `file:key` with the change against the baseline in brackets; then the params and the
 * dependencies that differ between rows. Metric files can hold hundreds of keys, so by default
 * only numbers and booleans that differ show.
 */
export function experimentsTable(rows: readonly ShowRow[], options: TableOptions = {}): Table {
  const precision = options.precision ?? 5;
  const shown = rows.map((r) => ({ ...r, params: gatherLists(r.params) }));
  const ran = shown.filter((r) => r.state === 'baseline' || r.state === 'success');
  const same = (a: Column, b: Column | undefined) => b !== undefined && a.path === b.path && a.key === b.key;
  const wanted = (c: Column) => (!options.keep || options.keep.test(`${c.path}:${c.key}`)) && !options.drop?.test(`${c.path}:${c.key}`);
  const metrics = metricColumns(ran).filter((c) => same(c, options.first) || ((options.allColumns || differs(ran, c)) && wanted(c)));
  if (options.first) metrics.sort((a, b) => Number(same(b, options.first)) - Number(same(a, options.first)));
  // The params that differ are what tells the experiments apart: always shown.
  const params = changedParamColumns(shown);
  const deps = changedDeps(shown);
  const withState = shown.some((r) => STATE_LABEL[r.state] !== '');
  const headers = ['Experiment', 'Created', ...(withState ? ['State'] : []), ...metrics.map((c) => `${c.path}:${c.key}`), ...params.map((c) => paramHeader(c, params)), ...deps];
  const body = shown.map((row) => {
    const metricCells = metrics.map((c) => {
      const value = formatCell(get(row.metrics, c), options.plain ? 17 : precision);
      const change = row.deltas ? get(row.deltas, c) : undefined;
      return typeof change === 'number' && !options.plain ? `${value} (${change === 0 ? '±0' : change > 0 ? `+${formatCell(change, precision)}` : formatCell(change, precision)})` : value;
    });
    const name = row.state === 'baseline' && !options.plain ? `${row.name} (baseline)` : row.name;
    const state = withState ? [STATE_LABEL[row.state]] : [];
    const paramCells = params.map((c) => formatCell(get(row.params, c), options.plain ? 17 : precision));
    const depCells = deps.map((p) => (row.deps?.[p] ?? '-').slice(0, options.plain ? undefined : 8));
    return [name, options.plain ? row.created ?? '' : createdCell(row.created), ...state, ...metricCells, ...paramCells, ...depCells];
  });
  return { headers, rows: body };
}

/** RFC 4180 CSV: a field with a comma, quote or line break is quoted, quotes doubled. Pure. */
export function renderCsv(table: Table): string {
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return [table.headers, ...table.rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}
