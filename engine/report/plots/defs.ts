// What to plot, from a pipeline (pure): stage `plots:` outs and DVC 3 top-level `plots:` entries,
// both turned into one shape, and the command-line targets that select among them.
import { posix } from 'node:path';
import type { Pipeline, TopLevelPlot } from '../../types.js';
import { toRepoPath, isSameOrInside } from '../../util/paths.js';

/** One file a plot reads, and which of its fields go on the y axis (empty: inferred from the data). */
export interface PlotSource {
  file: string;
  fields: string[];
}

/** Where x comes from: a field of each y file, or a field of one file joined to the others by row. */
export interface PlotX {
  field: string;
  /** Set when x is read from a given file (`x: {file.csv: step}`). */
  file?: string;
}

export interface PlotDefinition {
  /** The plot's name: its file for stage outs and file entries, the key of a top-level entry. */
  id: string;
  sources: PlotSource[];
  x?: PlotX;
  template?: string;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** CSV/TSV: whether the first row names columns (stage outs' `header:`; default true). */
  header?: boolean;
  /** Where it was declared, for messages. */
  declaredIn?: string;
}

/** Every plot a pipeline declares: top-level entries first, then stage outs, one per id. */
export function plotDefinitions(pipeline: Pipeline): PlotDefinition[] {
  const dir = posix.dirname(pipeline.file.replace(/\\/g, '/'));
  const byId = new Map<string, PlotDefinition>();
  const add = (def: PlotDefinition) => {
    if (!byId.has(def.id)) byId.set(def.id, def);
  };
  for (const entry of pipeline.plots) {
    const def = topLevelDefinition(entry, dir);
    if (def) add(def);
  }
  for (const stage of pipeline.stages) {
    for (const out of stage.outs) {
      if (out.kind !== 'plot') continue;
      const p = out.plot ?? {};
      const def: PlotDefinition = { id: out.path, sources: [{ file: out.path, fields: asList(p.y) }], declaredIn: `stage '${stage.name}'` };
      if (p.x !== undefined) def.x = { field: p.x };
      copyDisplay(def, p);
      if (p.header !== undefined) def.header = p.header;
      add(def);
    }
  }
  return [...byId.values()];
}

function copyDisplay(def: PlotDefinition, props: { template?: unknown; title?: unknown; x_label?: unknown; y_label?: unknown }): void {
  if (typeof props.template === 'string') def.template = props.template;
  if (typeof props.title === 'string') def.title = props.title;
  if (typeof props.x_label === 'string') def.xLabel = props.x_label;
  if (typeof props.y_label === 'string') def.yLabel = props.y_label;
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * A top-level entry: `- file`, `- file: {x, y: field(s), …}`, or `- id: {x, y: {file: fields}}`
 * where x is a field or `{file: field}`. Files are relative to the pipeline file's directory.
 * Undefined when a file leaves the repository (the loader has already reported such paths).
 */
export function topLevelDefinition(entry: TopLevelPlot, dir: string): PlotDefinition | undefined {
  const props = entry.props;
  const resolveFile = (written: string) => toRepoPath(dir, written);
  const y = props['y'];
  const def: PlotDefinition = { id: entry.id, sources: [], declaredIn: `${entry.pos.file}:${entry.pos.line}` };
  if (y !== null && typeof y === 'object' && !Array.isArray(y)) {
    for (const [file, fields] of Object.entries(y as Record<string, unknown>)) {
      const path = resolveFile(file);
      if (path === undefined) return undefined;
      def.sources.push({ file: path, fields: asList(fields) });
    }
  } else {
    const path = resolveFile(entry.id);
    if (path === undefined) return undefined;
    def.id = path;
    def.sources.push({ file: path, fields: asList(y) });
  }
  const x = props['x'];
  if (typeof x === 'string') def.x = { field: x };
  else if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    const pairs = Object.entries(x as Record<string, unknown>).filter((kv): kv is [string, string] => typeof kv[1] === 'string');
    // DVC allows one x per y file; several x files would need a join we cannot guess, so the
    // first one names the x field and its file.
    const first = pairs[0];
    if (first) {
      const file = resolveFile(first[0]);
      if (file !== undefined) def.x = { field: first[1], file };
    }
  }
  copyDisplay(def, props);
  return def;
}

/**
 * Narrow definitions to command-line targets: a target names a plot id, or a file or directory
 * some plot reads. A target matching nothing is plotted on its own with default properties (as
 * `dvc plots show file.csv` does).
 */
export function selectPlots(definitions: readonly PlotDefinition[], targets: readonly string[]): PlotDefinition[] {
  if (targets.length === 0) return [...definitions];
  const chosen = new Set<PlotDefinition>();
  const adHoc: PlotDefinition[] = [];
  for (const raw of targets) {
    const target = toRepoPath('.', raw) ?? raw;
    const matches = definitions.filter(
      (d) => d.id === raw || d.id === target || d.sources.some((s) => isSameOrInside(s.file, target)),
    );
    if (matches.length === 0) adHoc.push({ id: target, sources: [{ file: target, fields: [] }] });
    matches.forEach((d) => chosen.add(d));
  }
  return [...definitions.filter((d) => chosen.has(d)), ...adHoc];
}
