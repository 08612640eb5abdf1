// The occupancy data set's schema, and reading/validating/writing it as CSV (pure functions on
// text; the stages do the file I/O). Missing readings (empty cells) are kept as NaN and counted;
// anything that is not a number, an empty batch, a missing column or a constant column is
// rejected with a message naming the column and the file.

import { formatCsv, parseCsv } from './csv.js';
import { StageInputError } from './errors.js';

export type FeatureKind = 'numerical' | 'categorical';

export interface FeatureInfo {
  name: FeatureName;
  /** hour and weekday are categorical: few discrete values, cyclic, where KS/Wasserstein on the
   *  integer codes would mostly measure ties; their frequency tables are compared instead. */
  kind: FeatureKind;
  /** Digits written to CSV. */
  decimals: number;
}

export const FEATURES = [
  { name: 'temperature', kind: 'numerical', decimals: 2 },
  { name: 'humidity', kind: 'numerical', decimals: 2 },
  { name: 'light', kind: 'numerical', decimals: 1 },
  { name: 'co2', kind: 'numerical', decimals: 1 },
  { name: 'humidity_ratio', kind: 'numerical', decimals: 6 },
  { name: 'hour', kind: 'categorical', decimals: 0 },
  { name: 'weekday', kind: 'categorical', decimals: 0 },
] as const satisfies readonly { name: string; kind: FeatureKind; decimals: number }[];

export type FeatureName = (typeof FEATURES)[number]['name'];
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);
export const LABEL = 'occupied';
export const TIMESTAMP = 'timestamp';
export const COLUMNS: readonly string[] = [TIMESTAMP, ...FEATURE_NAMES, LABEL];

/** Column-oriented rows; NaN marks a missing reading or (in `occupied`) an unlabelled row. */
export interface Dataset {
  timestamp: string[];
  features: Record<FeatureName, number[]>;
  occupied: number[];
}

export function emptyDataset(): Dataset {
  const features = Object.fromEntries(FEATURE_NAMES.map((f) => [f, [] as number[]])) as Record<FeatureName, number[]>;
  return { timestamp: [], features, occupied: [] };
}

export function rowCount(ds: Dataset): number {
  return ds.timestamp.length;
}

export interface ParseOptions {
  /** The file name shown in messages (`data/current.csv`). */
  file: string;
  /** Every row must carry a label (training data). */
  requireLabels?: boolean;
}

/** Parse and validate one CSV file of the occupancy schema. Throws StageInputError. */
export function parseDataset(text: string, options: ParseOptions): Dataset {
  const { file } = options;
  const table = parseCsv(text);
  if ('error' in table) throw new StageInputError(`${file}:${table.line}: ${table.error}`);
  const index = new Map(table.header.map((h, i) => [h, i]));
  for (const col of COLUMNS) {
    if (!index.has(col)) throw new StageInputError(`column '${col}' is missing from ${file}`);
  }
  if (table.records.length === 0) throw new StageInputError(`${file} has no rows (empty batch)`);
  const ds = emptyDataset();
  const tsAt = index.get(TIMESTAMP)!;
  const labelAt = index.get(LABEL)!;
  for (const { fields, line } of table.records) {
    ds.timestamp.push(fields[tsAt]!.trim());
    for (const name of FEATURE_NAMES) {
      const text = fields[index.get(name)!]!.trim();
      if (text === '') {
        ds.features[name].push(Number.NaN);
        continue;
      }
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw new StageInputError(`column '${name}' of ${file} has a non-numeric value '${text}' on line ${line}`);
      }
      ds.features[name].push(value);
    }
    const label = fields[labelAt]!.trim();
    if (label === '') {
      if (options.requireLabels) throw new StageInputError(`column '${LABEL}' of ${file} is empty on line ${line}; every row needs a label`);
      ds.occupied.push(Number.NaN);
    } else if (label === '0' || label === '1') {
      ds.occupied.push(Number(label));
    } else {
      throw new StageInputError(`column '${LABEL}' of ${file} has '${label}' on line ${line}; expected 0, 1 or empty`);
    }
  }
  return ds;
}

/** Non-missing values of one feature. */
export function presentValues(ds: Dataset, name: FeatureName): number[] {
  return ds.features[name].filter((v) => !Number.isNaN(v));
}

/**
 * Reject data no statistic or model can use: a feature with no values, too many missing
 * readings, or a numerical feature that never changes (a dead sensor: its spread is zero, so
 * neither standardisation nor the normalised drift scores exist).
 */
export function checkUsable(ds: Dataset, file: string, maxMissingFraction: number): void {
  const n = rowCount(ds);
  if (n === 0) throw new StageInputError(`${file} has no rows (empty batch)`);
  for (const f of FEATURES) {
    const values = presentValues(ds, f.name);
    if (values.length === 0) throw new StageInputError(`column '${f.name}' of ${file} has no values (all missing)`);
    const missing = (n - values.length) / n;
    if (missing > maxMissingFraction) {
      throw new StageInputError(
        `column '${f.name}' of ${file} is ${(missing * 100).toFixed(1)}% missing (limit ${(maxMissingFraction * 100).toFixed(1)}%)`,
      );
    }
    if (f.kind === 'numerical' && values.every((v) => v === values[0])) {
      throw new StageInputError(`column '${f.name}' is constant in ${file} (every value is ${values[0]}); a stuck sensor?`);
    }
  }
}

/** Append `b`'s rows to `a`. */
export function concatDatasets(a: Dataset, b: Dataset): Dataset {
  const out = emptyDataset();
  out.timestamp = [...a.timestamp, ...b.timestamp];
  for (const name of FEATURE_NAMES) out.features[name] = [...a.features[name], ...b.features[name]];
  out.occupied = [...a.occupied, ...b.occupied];
  return out;
}

/** The rows at `indices`, in that order. */
export function selectRows(ds: Dataset, indices: readonly number[]): Dataset {
  const out = emptyDataset();
  out.timestamp = indices.map((i) => ds.timestamp[i]!);
  for (const name of FEATURE_NAMES) out.features[name] = indices.map((i) => ds.features[name][i]!);
  out.occupied = indices.map((i) => ds.occupied[i]!);
  return out;
}

/** Rows in timestamp order; ties keep their input order, so the result is deterministic. */
export function sortByTimestamp(ds: Dataset): Dataset {
  const idx = ds.timestamp.map((_, i) => i);
  idx.sort((a, b) => (ds.timestamp[a]! < ds.timestamp[b]! ? -1 : ds.timestamp[a]! > ds.timestamp[b]! ? 1 : a - b));
  return selectRows(ds, idx);
}

export function formatDataset(ds: Dataset): string {
  const rows: string[][] = [];
  for (let i = 0; i < rowCount(ds); i++) {
    const row = [ds.timestamp[i]!];
    for (const f of FEATURES) {
      const v = ds.features[f.name][i]!;
      row.push(Number.isNaN(v) ? '' : v.toFixed(f.decimals));
    }
    const y = ds.occupied[i]!;
    row.push(Number.isNaN(y) ? '' : String(y));
    rows.push(row);
  }
  return formatCsv(COLUMNS, rows);
}

/** Indices of labelled rows. */
export function labelledIndices(ds: Dataset): number[] {
  const out: number[] = [];
  for (let i = 0; i < ds.occupied.length; i++) if (!Number.isNaN(ds.occupied[i]!)) out.push(i);
  return out;
}

/**
 * The newest labelled rows held out for evaluation: the last `fraction` of the labelled rows
 * in file order (current.csv is sorted by time). Train never sees them, evaluate only them.
 */
export function holdoutSplit(ds: Dataset, fraction: number): { train: number[]; holdout: number[] } {
  const labelled = labelledIndices(ds);
  const cut = labelled.length - Math.round(labelled.length * fraction);
  return { train: labelled.slice(0, cut), holdout: labelled.slice(cut) };
}
