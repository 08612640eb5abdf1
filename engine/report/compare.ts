// Comparing two sides of a report (metrics or params), file by file and key by key.
import { decimalDifference } from './decimal.js';
import type { FlatValues, ReportValue } from './flatten.js';

/** Flattened values of several files, by repository-relative path. */
export type ValuesByFile = Record<string, FlatValues>;

/** One compared key. `old`/`new` are undefined when the key is absent on that side. */
export interface DiffRow {
  path: string;
  key: string;
  old: ReportValue | undefined;
  new: ReportValue | undefined;
  /** new − old, when both are numbers. */
  change?: number;
}

function ordered(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])];
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/**
 * Rows for every key whose value differs between `oldSide` and `newSide` (or every key with
 * `all`), files and keys in the order they appear, new side first (pure).
 */
export function diffValues(oldSide: ValuesByFile, newSide: ValuesByFile, options: { all?: boolean } = {}): DiffRow[] {
  const rows: DiffRow[] = [];
  for (const path of ordered(Object.keys(newSide), Object.keys(oldSide))) {
    const before = hasOwn(oldSide, path) ? oldSide[path]! : {};
    const after = hasOwn(newSide, path) ? newSide[path]! : {};
    for (const key of ordered(Object.keys(after), Object.keys(before))) {
      const old = hasOwn(before, key) ? before[key] : undefined;
      const now = hasOwn(after, key) ? after[key] : undefined;
      if (old === now && !options.all) continue;
      const row: DiffRow = { path, key, old, new: now };
      if (typeof old === 'number' && typeof now === 'number') row.change = decimalDifference(now, old);
      rows.push(row);
    }
  }
  return rows;
}

/** DVC's JSON shape for a diff: path → key → { old, new, diff }; absent sides are null. */
export function diffToJson(rows: readonly DiffRow[]): Record<string, Record<string, { old: ReportValue | null; new: ReportValue | null; diff?: number }>> {
  const out: Record<string, Record<string, { old: ReportValue | null; new: ReportValue | null; diff?: number }>> = {};
  for (const row of rows) {
    if (!hasOwn(out, row.path)) Object.defineProperty(out, row.path, { value: {}, enumerable: true, writable: true, configurable: true });
    const entry: { old: ReportValue | null; new: ReportValue | null; diff?: number } = { old: row.old ?? null, new: row.new ?? null };
    if (row.change !== undefined) entry.diff = row.change;
    Object.defineProperty(out[row.path]!, row.key, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
