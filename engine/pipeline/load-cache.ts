import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blake3Hex } from '../hash/digest.js';
import type { Pipeline } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { BUILD_ID } from '../util/build-id.js';

/**
 * The resolved pipeline, kept as JSON under `.dvc-ts/state/` and keyed by the bytes of every
 * file that went into it (the pipeline file, params and vars files, and which of them were
 * absent). Parsing YAML with positions, schema checks and interpolation cost hundreds of
 * milliseconds on a pipeline with thousands of paths; an unchanged pipeline skips all of it.
 */
const CACHE_FILE = '.dvc-ts/state/pipeline-cache.json';
/** Changes with every build of the engine: a parse made by other code is never reused. */
const FORMAT = `1:${BUILD_ID}`;

export interface PipelineInputs {
  /** Repository-relative path → BLAKE3 of its text, or null when it was absent. */
  files: Record<string, string | null>;
  /** Resolution options that change the result. */
  mode: string;
}

interface CachedPipeline {
  format: string;
  inputs: PipelineInputs;
  /** Without `root` and `sources`, which loading sets: a copied repository's cache stays valid. */
  pipeline: Omit<Pipeline, 'root' | 'sources'>;
}

export function digestText(text: string | undefined): string | null {
  return text === undefined ? null : blake3Hex(text);
}

/** The cached pipeline when every input file still has the bytes it had; else undefined. */
export async function cachedPipeline(root: string, mode: string): Promise<Pipeline | undefined> {
  let cached: CachedPipeline;
  try {
    cached = JSON.parse(await readFile(join(root, CACHE_FILE), 'utf8')) as CachedPipeline;
  } catch {
    return undefined;
  }
  if (cached.format !== FORMAT || cached.inputs.mode !== mode) return undefined;
  const same = await Promise.all(
    Object.entries(cached.inputs.files).map(async ([path, digest]) => {
      const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
      return digestText(text) === digest;
    }),
  );
  if (!same.every(Boolean)) return undefined;
  return { ...cached.pipeline, root, sources: Object.keys(cached.inputs.files) };
}

export async function rememberPipeline(root: string, inputs: PipelineInputs, { root: _root, sources: _sources, ...pipeline }: Pipeline): Promise<void> {
  let json: string;
  try {
    json = JSON.stringify({ format: FORMAT, inputs, pipeline } satisfies CachedPipeline, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError('not JSON');
      return v;
    });
  } catch {
    return; // a param value JSON cannot hold (NaN, ±Infinity): not cached
  }
  await writeFileAtomic(join(root, CACHE_FILE), json, { durable: false }).catch(() => undefined);
}
