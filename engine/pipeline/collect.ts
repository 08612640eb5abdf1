// Every pipeline of a repository, as DVC collects its dvc.yaml files: each pipeline.yaml or
// dvc.yaml outside git-ignored folders (and outside .git, .dvc, .dvc-ts) is a pipeline rooted at
// its folder. Together they form one pipeline whose stages are named `path/to/dvc.yaml:stage`
// (bare for the pipeline at the root); a dep on another pipeline's out is an edge like any other.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { UserError, UserErrors } from '../errors.js';
import type { Pipeline, PipelinePart, StageDef } from '../types.js';
import { PIPELINE_FILES } from './files.js';
import { loadPipeline, type LoadOptions } from './load.js';
import { qualifiedName } from './stage-address.js';

const SKIPPED_FOLDERS = new Set(['.git', '.dvc', '.dvc-ts']);

/**
 * Whether commands at the root take every pipeline of the repository. A DVC repository (`.dvc/`)
 * or one without a root pipeline.yaml is searched; a repository whose root holds pipeline.yaml
 * and no `.dvc/` keeps its single pipeline, with no search on its no-op path.
 */
export function collectsPipelines(root: string): boolean {
  return existsSync(posix.join(root, '.dvc')) || !existsSync(posix.join(root, PIPELINE_FILES[0]));
}

/** Pipeline files of the repository (repository-relative), the root's first, then by path. */
export async function findPipelineFiles(root: string): Promise<string[]> {
  // git knows what is ignored (every .gitignore, the global excludes): one listing, no walk.
  // execa is loaded here, not at the top: a command whose root holds pipeline.yaml never lists.
  const { execa } = await import('execa');
  const r = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...PIPELINE_FILES.flatMap((n) => [n, `*/${n}`])], {
    cwd: root,
    reject: false,
  });
  if (r.exitCode !== 0) return [];
  const byFolder = new Map<string, string>();
  for (const path of String(r.stdout).split('\0')) {
    const name = posix.basename(path);
    if (!(PIPELINE_FILES as readonly string[]).includes(name) || !existsSync(posix.join(root, path))) continue;
    const dir = posix.dirname(path);
    if (dir.split('/').some((part) => SKIPPED_FOLDERS.has(part))) continue;
    const known = byFolder.get(dir);
    // One pipeline per folder: pipeline.yaml before dvc.yaml, as everywhere else.
    if (!known || PIPELINE_FILES.indexOf(name as (typeof PIPELINE_FILES)[number]) < PIPELINE_FILES.indexOf(posix.basename(known) as (typeof PIPELINE_FILES)[number])) {
      byFolder.set(dir, path);
    }
  }
  return [...byFolder.values()].sort((a, b) => depthOf(a) - depthOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function depthOf(path: string): number {
  return path.split('/').length;
}

/**
 * Load every pipeline of the repository as one; undefined when there is at most one, at the root
 * (then the single pipeline is loaded as always).
 */
export async function loadAllPipelines(root: string, options: Omit<LoadOptions, 'file'> = {}): Promise<Pipeline | undefined> {
  const files = await findPipelineFiles(root);
  if (files.length === 0 || (files.length === 1 && !files[0]!.includes('/'))) return undefined;
  const loaded: Pipeline[] = [];
  const errors: UserError[] = [];
  for (const file of files) {
    try {
      loaded.push(await loadPipeline(root, { ...options, file }));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
  return mergePipelines(root, loaded);
}

/** One pipeline of several: stages renamed `file:name`, top-level sections concatenated. */
export function mergePipelines(root: string, pipelines: readonly Pipeline[]): Pipeline {
  const parts: PipelinePart[] = [];
  const stages: StageDef[] = [];
  for (const p of pipelines) {
    parts.push({ file: p.file, stages: p.stages.map((s) => s.name) });
    for (const s of p.stages) stages.push({ ...s, name: qualifiedName(p.file, s.name) });
  }
  const first = pipelines.find((p) => !p.file.includes('/')) ?? pipelines[0]!;
  return {
    root,
    file: first.file,
    stages,
    metrics: pipelines.flatMap((p) => p.metrics),
    plots: pipelines.flatMap((p) => p.plots),
    params: pipelines.flatMap((p) => p.params),
    artifacts: Object.assign({}, ...pipelines.map((p) => p.artifacts)) as Record<string, unknown>,
    parts,
    sources: [...new Set(pipelines.flatMap((p) => p.sources ?? []))],
  };
}
