import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { PIPELINE_FILES } from '../pipeline/files.js';

export interface Project {
  /** The repository root: where `.dvc-ts/` (the cache, the config) lives. */
  root: string;
  /** The pipeline file relative to root, when one was found at or above the working directory. */
  file?: string;
}

/**
 * Find the project a command acts on, from any subdirectory, the way DVC and git do: the root
 * is the nearest directory holding `.dvc-ts/`, else `.git`, else a pipeline file; the pipeline
 * is the nearest pipeline file between the working directory and that root (DVC keeps a
 * dvc.yaml per directory; dvc-ts acts on the one you stand in, or the root's).
 */
export async function findProject(start: string = process.cwd()): Promise<Project> {
  const from = resolve(start);
  const ancestors: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    ancestors.push(dir);
    if (dirname(dir) === dir) break;
  }
  let root: string | undefined;
  for (const marker of ['.dvc-ts', '.git']) {
    for (const dir of ancestors) {
      if (exists(join(dir, marker))) {
        root = dir;
        break;
      }
    }
    if (root) break;
  }
  let pipelineDir: string | undefined;
  let pipelineName: string | undefined;
  for (const dir of ancestors) {
    for (const name of PIPELINE_FILES) {
      if (exists(join(dir, name))) {
        pipelineDir = dir;
        pipelineName = name;
        break;
      }
    }
    if (pipelineDir || dir === root) break;
  }
  root ??= pipelineDir ?? from;
  if (!pipelineDir || !pipelineName || pipelineDir === root) return { root };
  return { root, file: relative(root, join(pipelineDir, pipelineName)).split(sep).join('/') };
}

/** The repository root alone, for commands that do not need the pipeline file. */
export async function findRepoRoot(start?: string): Promise<string> {
  return (await findProject(start)).root;
}

/** Synchronous: a few stats on every command's start, where a promise each costs more than the stat. */
function exists(p: string): boolean {
  return existsSync(p);
}
