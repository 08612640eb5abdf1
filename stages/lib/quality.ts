// Data quality where readings enter: a reading outside its plausible range (params.yaml
// quality.ranges) or not a finite number marks its row. The service still answers such a row
// (the bad reading is imputed like a missing one) but flags its log line; ingest quarantines
// every marked row, so it never reaches drift statistics or training, and counts it.

import { FEATURE_NAMES, type FeatureName } from './dataset.js';

export type Ranges = Record<FeatureName, [number, number]>;

/** What is wrong with one row's readings (both lists empty when nothing is). */
export interface ReadingFlags {
  out_of_range: FeatureName[];
  non_finite: FeatureName[];
}

/** Flags for one row; null and NaN are missing readings, not quality problems. */
export function readingFlags(row: Readonly<Record<FeatureName, number | null>>, ranges: Ranges): ReadingFlags {
  const flags: ReadingFlags = { out_of_range: [], non_finite: [] };
  for (const name of FEATURE_NAMES) {
    const v = row[name];
    if (v === null || Number.isNaN(v)) continue;
    if (!Number.isFinite(v)) flags.non_finite.push(name);
    else if (v < ranges[name][0] || v > ranges[name][1]) flags.out_of_range.push(name);
  }
  return flags;
}

export function isFlagged(flags: ReadingFlags): boolean {
  return flags.out_of_range.length > 0 || flags.non_finite.length > 0;
}

/** The data-quality section of metrics/ingest.json: rows kept out of the batches, and why. */
export interface QuarantineCounts {
  rows_checked: number;
  rows_quarantined: number;
  /** Rows with at least one reading outside its range. */
  out_of_range_rows: number;
  non_finite_rows: number;
  /** Readings per feature outside the range or not finite. */
  by_feature: Partial<Record<FeatureName, number>>;
}

export function emptyQuarantine(): QuarantineCounts {
  return { rows_checked: 0, rows_quarantined: 0, out_of_range_rows: 0, non_finite_rows: 0, by_feature: {} };
}

export function countFlags(counts: QuarantineCounts, flags: ReadingFlags): void {
  counts.rows_checked++;
  if (!isFlagged(flags)) return;
  counts.rows_quarantined++;
  if (flags.out_of_range.length > 0) counts.out_of_range_rows++;
  if (flags.non_finite.length > 0) counts.non_finite_rows++;
  for (const name of [...flags.out_of_range, ...flags.non_finite]) counts.by_feature[name] = (counts.by_feature[name] ?? 0) + 1;
}
