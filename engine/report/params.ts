// Params: the values stages use (or every key of the params files) at a revision, and `diff`.
import type { Snapshot } from '../git/snapshot.js';
import { DEFAULT_PARAMS_FILE } from '../pipeline/vars.js';
import type { Pipeline } from '../types.js';
import { diffValues, type DiffRow, type ValuesByFile } from './compare.js';
import { parseDataText } from './data-file.js';
import { flattenData, setKey } from './flatten.js';

function fileValues(into: ValuesByFile, path: string): Record<string, string | number | boolean> {
  if (!Object.prototype.hasOwnProperty.call(into, path)) setKey(into, path, {});
  return into[path]!;
}

/** The params some stage uses, by file, flattened (pure). A param naming a subtree gives its leaves. */
export function usedParams(pipeline: Pipeline): ValuesByFile {
  const values: ValuesByFile = {};
  for (const stage of pipeline.stages) {
    for (const [file, params] of Object.entries(stage.params)) {
      const target = fileValues(values, file);
      for (const [key, value] of Object.entries(params)) flattenData(value, key, target);
    }
  }
  return values;
}

/** Params files a pipeline knows of (pure): those stages read, top-level `params:`, params.yaml. */
export function paramsFiles(pipeline: Pipeline | undefined): string[] {
  const files = new Set<string>();
  for (const stage of pipeline?.stages ?? []) for (const file of Object.keys(stage.params)) files.add(file);
  for (const file of pipeline?.params ?? []) files.add(file);
  files.add(DEFAULT_PARAMS_FILE);
  return [...files];
}

/** Every key of every params file at a snapshot (files absent there are left out). */
export async function allParams(snapshot: Snapshot, pipeline: Pipeline | undefined): Promise<ValuesByFile> {
  const values: ValuesByFile = {};
  for (const file of paramsFiles(pipeline)) {
    const text = await snapshot.files.readText(file);
    if (text === undefined) continue;
    setKey(values, file, flattenData(parseDataText(file, text, snapshot.shown(file))));
  }
  return values;
}

/** The params of one snapshot: those used by stages, or with `all` every key of the files. */
export async function readParams(snapshot: Snapshot, options: { all?: boolean } = {}): Promise<ValuesByFile> {
  const pipeline = await snapshot.pipeline();
  if (options.all) return allParams(snapshot, pipeline);
  return pipeline ? usedParams(pipeline) : {};
}

/** Params of two snapshots compared (unchanged ones only with `all`). */
export async function diffParams(oldSide: Snapshot, newSide: Snapshot, options: { all?: boolean } = {}): Promise<DiffRow[]> {
  const [before, after] = await Promise.all([readParams(oldSide, options), readParams(newSide, options)]);
  return diffValues(before, after, options);
}
