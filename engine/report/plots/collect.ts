// Gathering plot data across revisions into renderable plots. File access goes through the
// RevisionFiles interface, so this module runs on in-memory files in tests. Nothing missing or
// malformed at one revision stops the others: it becomes a problem shown beside the plot.
import { imageMimeType, isImagePath, parsePlotData, plotDataFormat, PlotDataError, type PlotRecord } from './data.js';
import type { PlotDefinition, PlotSource } from './defs.js';
import { buildSpec, DEFAULT_TEMPLATE, isTemplateName, REV_FIELD, TEMPLATE_NAMES, type SpecInput, type TemplateName, type VegaLiteSpec } from './templates.js';

/** The files of one revision (the workspace, or a commit). */
export interface RevisionFiles {
  /** Label shown in the charts: `workspace`, `HEAD~1`, a branch name, … */
  readonly label: string;
  /** The file's bytes, or undefined when it does not exist at this revision. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** Files below `path` (relative to it, sorted) when it is a directory; undefined otherwise. */
  listDir(path: string): Promise<string[] | undefined>;
}

/** One revision to plot: its files and the plots its pipeline declares (undefined if it has none readable). */
export interface RevisionInput {
  files: RevisionFiles;
  definitions: PlotDefinition[] | undefined;
}

export interface PlotProblem {
  /** Revision label; absent for problems that concern the plot at every revision. */
  rev?: string;
  file?: string;
  message: string;
}

export interface VegaPlot {
  kind: 'vega';
  id: string;
  title: string;
  template: string;
  /** Revisions that contributed data. */
  revisions: string[];
  /** Vega-Lite spec with the data inlined; absent when there is nothing to draw. */
  spec?: VegaLiteSpec;
  problems: PlotProblem[];
}

export interface PlotImage {
  rev: string;
  file: string;
  /** `data:<mime>;base64,…` */
  dataUri: string;
}

export interface ImagePlot {
  kind: 'image';
  id: string;
  title: string;
  revisions: string[];
  images: PlotImage[];
  problems: PlotProblem[];
}

export type RenderedPlot = VegaPlot | ImagePlot;

export interface PlotsReport {
  revisions: string[];
  plots: RenderedPlot[];
  /** Problems not tied to one plot (a revision whose pipeline could not be read, …). */
  problems: PlotProblem[];
}

/** Field holding the row index when a plot names no x (DVC's name). */
export const STEP_FIELD = 'step';
/** Field holding y values when a plot draws several fields or files in one chart (DVC's name). */
export const FOLDED_Y_FIELD = 'dvc_inferred_y_value';

/** Read, parse and merge every selected plot at every revision. */
export async function collectPlots(revisions: readonly RevisionInput[], problems: PlotProblem[] = []): Promise<PlotsReport> {
  const merged = new Map<string, PlotDefinition>();
  for (const rev of revisions) {
    if (!rev.definitions) continue;
    // The latest revision's definition wins: revisions come oldest first, workspace last.
    for (const def of await expandDirectories(rev.definitions, rev.files)) merged.set(def.id, def);
  }
  const plots: RenderedPlot[] = [];
  for (const def of merged.values()) {
    const allImages = def.sources.length > 0 && def.sources.every((s) => isImagePath(s.file));
    plots.push(allImages ? await collectImages(def, revisions) : await collectSeries(def, revisions));
  }
  return { revisions: revisions.map((r) => r.files.label), plots, problems };
}

/** A plot naming one directory stands for each data or image file in it (as in DVC). */
async function expandDirectories(definitions: readonly PlotDefinition[], files: RevisionFiles): Promise<PlotDefinition[]> {
  const out: PlotDefinition[] = [];
  for (const def of definitions) {
    const only = def.sources.length === 1 ? def.sources[0]! : undefined;
    const listing = only && !def.x?.file ? await files.listDir(only.file) : undefined;
    if (!only || !listing) {
      out.push(def);
      continue;
    }
    for (const rel of listing) {
      if (plotDataFormat(rel) === undefined && !isImagePath(rel)) continue;
      const file = `${only.file}/${rel}`;
      out.push({ ...def, id: file, sources: [{ file, fields: only.fields }] });
    }
  }
  return out;
}

async function collectImages(def: PlotDefinition, revisions: readonly RevisionInput[]): Promise<ImagePlot> {
  const plot: ImagePlot = { kind: 'image', id: def.id, title: def.title ?? def.id, revisions: [], images: [], problems: [] };
  for (const { files } of revisions) {
    for (const source of def.sources) {
      const bytes = await files.readFile(source.file);
      if (bytes === undefined) {
        plot.problems.push({ rev: files.label, file: source.file, message: 'file not found at this revision' });
        continue;
      }
      const mime = imageMimeType(source.file)!;
      plot.images.push({ rev: files.label, file: source.file, dataUri: `data:${mime};base64,${Buffer.from(bytes).toString('base64')}` });
      if (!plot.revisions.includes(files.label)) plot.revisions.push(files.label);
    }
  }
  return plot;
}

/** One (revision, file, field) line of points before the final field names are chosen. */
interface Series {
  rev: string;
  file: string;
  field: string;
  points: { x: unknown; y: unknown; record: PlotRecord }[];
}

async function collectSeries(def: PlotDefinition, revisions: readonly RevisionInput[]): Promise<VegaPlot> {
  const template = def.template ?? DEFAULT_TEMPLATE;
  const plot: VegaPlot = { kind: 'vega', id: def.id, title: def.title ?? def.id, template, revisions: [], problems: [] };
  if (!isTemplateName(template)) {
    plot.problems.push({ message: `unknown template '${template}' (expected one of ${TEMPLATE_NAMES.join(', ')})` });
    return plot;
  }
  const series: Series[] = [];
  for (const { files } of revisions) {
    const reader = new RecordReader(files, def.header);
    for (const source of def.sources) {
      const found = await seriesOf(def, source, reader, plot.problems);
      series.push(...found);
    }
  }
  const withPoints = series.filter((s) => s.points.length > 0);
  if (withPoints.length === 0) return plot;

  const xName = def.x?.field ?? STEP_FIELD;
  const yFields = new Set(withPoints.map((s) => s.field));
  const yName = yFields.size === 1 ? [...yFields][0]! : FOLDED_Y_FIELD;
  const label = seriesLabeller(withPoints);
  const values: PlotRecord[] = [];
  const revOrder: string[] = [];
  for (const s of withPoints) {
    const rev = label(s);
    if (!revOrder.includes(rev)) revOrder.push(rev);
    for (const p of s.points) values.push({ ...p.record, [xName]: p.x, [yName]: p.y, [REV_FIELD]: rev });
    if (!plot.revisions.includes(s.rev)) plot.revisions.push(s.rev);
  }
  plot.problems.push(...numericProblems(template, withPoints, def.x?.field ?? STEP_FIELD));
  const spec: SpecInput = { values, x: xName, y: yName, title: plot.title, revOrder };
  if (def.xLabel !== undefined) spec.xLabel = def.xLabel;
  if (def.yLabel !== undefined) spec.yLabel = def.yLabel;
  else if (yName === FOLDED_Y_FIELD) spec.yLabel = 'y';
  plot.spec = buildSpec(template, spec);
  return plot;
}

/** Axes each template draws on a quantitative scale: a value there that is not a number draws nothing. */
const NUMERIC_AXES: Record<TemplateName, readonly ('x' | 'y')[]> = {
  linear: ['x', 'y'],
  simple: ['x', 'y'],
  scatter: ['x', 'y'],
  smooth: ['x', 'y'],
  confusion: [],
  confusion_normalized: [],
  bar_horizontal: ['x'],
  bar_horizontal_sorted: ['x'],
};

/** A problem for each series whose x or y holds values that are not numbers where the template needs numbers. */
function numericProblems(template: TemplateName, series: readonly Series[], xField: string): PlotProblem[] {
  const problems: PlotProblem[] = [];
  for (const s of series) {
    for (const axis of NUMERIC_AXES[template]) {
      const bad = s.points.filter((p) => typeof (axis === 'x' ? p.x : p.y) !== 'number');
      if (bad.length === 0) continue;
      const field = axis === 'x' ? xField : s.field;
      const example = String(axis === 'x' ? bad[0]!.x : bad[0]!.y).slice(0, 40);
      problems.push({
        rev: s.rev,
        file: s.file,
        message: `field '${field}' (${axis}) is not a number in ${bad.length} of ${s.points.length} data points (e.g. '${example}'); the '${template}' template needs numbers on ${axis}`,
      });
    }
  }
  return problems;
}

/**
 * The colour label of a series: the revision alone when the chart has one line per revision,
 * else the revision and what tells the lines apart (field, file, or both).
 */
function seriesLabeller(series: readonly Series[]): (s: Series) => string {
  const files = new Set(series.map((s) => s.file));
  const fields = new Set(series.map((s) => s.field));
  if (files.size <= 1 && fields.size <= 1) return (s) => s.rev;
  if (files.size <= 1) return (s) => `${s.rev}::${s.field}`;
  if (fields.size <= 1) return (s) => `${s.rev}::${s.file}`;
  return (s) => `${s.rev}::${s.file}::${s.field}`;
}

/** Reads and parses files of one revision once each, remembering failures as problems. */
class RecordReader {
  private readonly cache = new Map<string, Promise<PlotRecord[] | string>>();
  constructor(
    readonly files: RevisionFiles,
    private readonly header: boolean | undefined,
  ) {}

  /** Records of the file, or the reason there are none. */
  records(file: string, fields: readonly string[]): Promise<PlotRecord[] | string> {
    let pending = this.cache.get(file);
    if (!pending) {
      pending = this.load(file, fields);
      this.cache.set(file, pending);
    }
    return pending;
  }

  private async load(file: string, fields: readonly string[]): Promise<PlotRecord[] | string> {
    if (isImagePath(file)) return 'an image cannot be drawn in a chart with data files';
    const bytes = await this.files.readFile(file);
    if (bytes === undefined) return 'file not found at this revision';
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    try {
      const options = this.header === undefined ? { fields } : { fields, header: this.header };
      return parsePlotData(file, text, options);
    } catch (e) {
      if (e instanceof PlotDataError) return e.message;
      throw e;
    }
  }
}

async function seriesOf(def: PlotDefinition, source: PlotSource, reader: RecordReader, problems: PlotProblem[]): Promise<Series[]> {
  const rev = reader.files.label;
  const xField = def.x?.field;
  const wanted = xField !== undefined && (def.x?.file === undefined || def.x.file === source.file) ? [...source.fields, xField] : source.fields;
  const records = await reader.records(source.file, wanted);
  if (typeof records === 'string') {
    problems.push({ rev, file: source.file, message: records });
    return [];
  }
  if (records.length === 0) {
    problems.push({ rev, file: source.file, message: 'no data points' });
    return [];
  }
  let xValues: (rec: PlotRecord, i: number) => unknown = (_rec, i) => i;
  if (def.x !== undefined) {
    const { field, file } = def.x;
    if (file !== undefined && file !== source.file) {
      const xRecords = await reader.records(file, [field]);
      if (typeof xRecords === 'string') {
        problems.push({ rev, file, message: xRecords });
        return [];
      }
      xValues = (_rec, i) => xRecords[i]?.[field];
    } else xValues = (rec) => rec[field];
    if (!records.some((r, i) => xValues(r, i) !== undefined)) {
      problems.push({ rev, file: file ?? source.file, message: `no field '${field}' (x) in the data` });
      return [];
    }
  }
  const fields = source.fields.length > 0 ? source.fields : inferY(records[0]!, xField);
  if (fields.length === 0) {
    problems.push({ rev, file: source.file, message: 'no field to plot on the y axis' });
    return [];
  }
  const out: Series[] = [];
  for (const field of fields) {
    const s: Series = { rev, file: source.file, field, points: [] };
    let skipped = 0;
    records.forEach((record, i) => {
      const x = xValues(record, i);
      const y = record[field];
      if (x === undefined || x === null || x === '' || y === undefined || y === null || y === '') skipped++;
      else s.points.push({ x, y, record });
    });
    if (s.points.length === 0) problems.push({ rev, file: source.file, message: `no field '${field}' in the data` });
    else if (skipped > 0) problems.push({ rev, file: source.file, message: `${skipped} of ${records.length} data points lack '${field}' or x and are not drawn` });
    out.push(s);
  }
  return out;
}

/** DVC's inference: the last field of the first record that is not x. */
function inferY(first: PlotRecord, xField: string | undefined): string[] {
  const names = Object.keys(first).filter((k) => k !== xField);
  return names.length > 0 ? [names[names.length - 1]!] : [];
}
