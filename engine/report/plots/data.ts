// Parsing plot data files into records (pure: text in, rows out). Formats follow DVC's: CSV and
// TSV with or without a header row, JSON (a list of records, or a mapping that holds one), YAML
// the same as JSON.
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** One data point: field name → value (numbers where the text was a number). */
export type PlotRecord = Record<string, unknown>;

export type PlotDataFormat = 'csv' | 'tsv' | 'json' | 'yaml';

/** Thrown when a plot file's content cannot be read as data; the caller reports it per revision. */
export class PlotDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlotDataError';
  }
}

const DATA_EXTENSIONS: Record<string, PlotDataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
};

const IMAGE_MIME_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
};

/** The data format named by a file's extension, or undefined for anything else. */
export function plotDataFormat(path: string): PlotDataFormat | undefined {
  return DATA_EXTENSIONS[posix.extname(path).toLowerCase()];
}

/** The MIME type of an image plot file, or undefined when the file is not an image. */
export function imageMimeType(path: string): string | undefined {
  return IMAGE_MIME_TYPES[posix.extname(path).toLowerCase()];
}

export function isImagePath(path: string): boolean {
  return imageMimeType(path) !== undefined;
}

export interface ParseOptions {
  /** CSV/TSV only: whether the first row names the columns (default true). Without one, columns are named `0`, `1`, … */
  header?: boolean;
  /** Fields the plot needs: when JSON/YAML holds several lists, the first one with these wins. */
  fields?: readonly string[];
}

/** Parse a plot data file by its extension. Throws PlotDataError when the content is not usable. */
export function parsePlotData(path: string, text: string, options: ParseOptions = {}): PlotRecord[] {
  const format = plotDataFormat(path);
  switch (format) {
    case 'csv':
      return parseDelimited(text, ',', options.header ?? true);
    case 'tsv':
      return parseDelimited(text, '\t', options.header ?? true);
    case 'json': {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (e) {
        throw new PlotDataError(`invalid JSON: ${(e as Error).message}`);
      }
      return recordsOf(data, options.fields ?? []);
    }
    case 'yaml': {
      let data: unknown;
      try {
        data = parseYaml(text);
      } catch (e) {
        throw new PlotDataError(`invalid YAML: ${(e as Error).message.split('\n')[0]}`);
      }
      return recordsOf(data, options.fields ?? []);
    }
    default:
      throw new PlotDataError(`unsupported plot file type '${posix.extname(path) || path}' (expected .csv, .tsv, .json, .yaml or an image)`);
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A cell as a number when it reads as one (so quantitative axes work), else the text itself. */
export function inferCell(text: string): string | number {
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) {
    const n = Number(trimmed);
    if (Number.isFinite(n)) return n;
  }
  return text;
}

/** CSV/TSV rows as records. Quoted cells may hold the delimiter, quotes (`""`) and newlines. */
export function parseDelimited(text: string, delimiter: string, header: boolean): PlotRecord[] {
  const rows = splitRows(text.replace(/^\uFEFF/, ''), delimiter).filter((row) => !(row.length === 1 && row[0] === ''));
  if (rows.length === 0) return [];
  const names = header ? rows[0]!.map((name) => name.trim()) : rows[0]!.map((_, i) => String(i));
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new PlotDataError(`duplicate column '${name}' in the header row`);
    seen.add(name);
  }
  const body = header ? rows.slice(1) : rows;
  return body.map((cells, index) => {
    if (cells.length > names.length) {
      throw new PlotDataError(`row ${index + (header ? 2 : 1)} has ${cells.length} cells but there are ${names.length} columns`);
    }
    const record: PlotRecord = {};
    names.forEach((name, i) => {
      record[name] = cells[i] === undefined ? null : inferCell(cells[i]!);
    });
    return record;
  });
}

function splitRows(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else cell += c;
    i++;
  }
  if (quoted) throw new PlotDataError('unterminated quoted cell');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * DVC's rule for structured files: a list of records is the data; a mapping is searched (depth
 * first) for lists of records, preferring the first that has every field the plot needs; a flat
 * mapping of scalars is one record.
 */
export function recordsOf(data: unknown, fields: readonly string[]): PlotRecord[] {
  if (Array.isArray(data)) return asRecords(data);
  if (!isPlainObject(data)) throw new PlotDataError('expected a list of records or a mapping that holds one');
  const lists: unknown[][] = [];
  const visit = (node: Record<string, unknown>): void => {
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        if (value.length > 0 && value.every(isPlainObject)) lists.push(value);
      } else if (isPlainObject(value)) visit(value);
    }
  };
  visit(data);
  const complete = lists.find((list) => fields.every((f) => list.some((r) => isPlainObject(r) && f in r)));
  const chosen = complete ?? lists[0];
  if (chosen) return asRecords(chosen);
  if (Object.values(data).every((v) => v === null || typeof v !== 'object')) return [{ ...data }];
  throw new PlotDataError('found no list of records in the file');
}

function asRecords(list: unknown[]): PlotRecord[] {
  return list.map((item, i) => {
    if (!isPlainObject(item)) throw new PlotDataError(`item ${i} of the data list is not a record`);
    return { ...item };
  });
}
