// Loading a pipeline from disk: find the file, read it and the params files it names, then
// resolvePipeline (pure) and the on-disk symlink check.
import { readFileSync, statSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Pipeline } from '../types.js';
import { toRepoPath } from '../util/paths.js';
import type { ReadFile } from './params-files.js';
import { cachedPipeline, digestText, rememberPipeline } from './load-cache.js';
import type { MissingParamsPolicy } from './stage.js';
import { PIPELINE_FILES } from './files.js';

/** Pipeline file names, in order of preference. */
export { PIPELINE_FILES };

export interface LoadOptions {
  /** Pipeline file (relative to root, or absolute inside it) instead of pipeline.yaml / dvc.yaml. */
  file?: string;
  /** See ResolveInput.missingParams: 'error' (default) or 'omit' (for listing stages). */
  missingParams?: MissingParamsPolicy;
  /**
   * Load as `dvc stage list` does: no cross-stage checks (overlapping outputs, a stage reading its
   * own output), which only the commands that build the graph or write outputs need.
   */
  listing?: boolean;
}

/** `pipeline.yaml`, else `dvc.yaml`, in `root` (relative name); a UserError when neither exists. */
export async function findPipelineFile(root: string): Promise<string> {
  for (const name of PIPELINE_FILES) {
    try {
      await access(join(root, name));
      return name;
    } catch {
      // try the next name
    }
  }
  throw new UserError(`no pipeline file: neither ${PIPELINE_FILES.join(' nor ')} exists in ${root}`);
}

/**
 * Load, validate, interpolate and expand the pipeline of the repository at `root`. Commands that
 * run stages also call assertRunnable (runnable.ts).
 */
export async function loadPipeline(root: string, options: LoadOptions = {}): Promise<Pipeline> {
  const absRoot = resolve(root);
  const file = options.file === undefined ? await findPipelineFile(absRoot) : normaliseFile(absRoot, options.file);
  const missingParams = options.missingParams ?? 'error';
  const listing = options.listing === true;
  const mode = `${file}\n${missingParams}${listing ? '\nlisting' : ''}`;
  // Paths that leave the repository (written so, or through a symlink) are refused by the
  // commands that run stages (runnable.ts), not here: listing a pipeline never needs that.
  return (await cachedPipeline(absRoot, mode)) ?? (await resolveFromDisk(absRoot, file, mode, missingParams, listing));
}

/** Resolve the pipeline from its files, recording each file read so the result can be cached. */
async function resolveFromDisk(absRoot: string, file: string, mode: string, missingParams: MissingParamsPolicy, listing: boolean): Promise<Pipeline> {
  let text: string;
  try {
    text = await readFile(join(absRoot, file), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `pipeline file '${file}' does not exist` : `cannot read pipeline file '${file}': ${(e as Error).message}`);
  }
  const files: Record<string, string | null> = { [file]: digestText(text) };
  // The resolver (YAML with positions, schema, interpolation) loads only when the cached
  // pipeline cannot be used: an unchanged pipeline never pays for its modules.
  const { resolvePipeline } = await import('./resolve.js');
  const read = repoFileReader(absRoot);
  const pipeline = resolvePipeline({
    file,
    text,
    root: absRoot,
    readFile: (path) => {
      const content = read(path);
      files[path] = digestText(content);
      return content;
    },
    missingParams,
    listing,
  });
  await rememberPipeline(absRoot, { files, mode }, pipeline);
  return { ...pipeline, sources: Object.keys(files) };
}

function normaliseFile(root: string, file: string): string {
  const path = toRepoPath('.', isAbsolute(file) ? relative(root, file) : file);
  if (path === undefined || path === '.') throw new UserError(`pipeline file '${file}' must be inside the repository`);
  return path;
}

/**
 * Params and vars files are few and small, and the resolver asks for each once (it caches), so
 * plain synchronous reads keep the pure resolver free of async plumbing.
 */
export function repoFileReader(root: string): ReadFile {
  return (repoPath: string): string | undefined => {
    const abs = join(root, repoPath);
    try {
      return readFileSync(abs, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (code === 'EISDIR' || statSync(abs, { throwIfNoEntry: false })?.isDirectory()) {
        throw new UserError(`'${repoPath}' is a directory, expected a params file`);
      }
      throw new UserError(`cannot read '${repoPath}': ${(e as Error).message}`);
    }
  };
}
