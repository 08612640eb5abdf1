import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const MARKERS = ['.dvc-ts', 'pipeline.yaml', 'dvc.yaml'];

/**
 * The repository a command acts on: the nearest directory at or above `start` holding a
 * `.dvc-ts/` folder or a pipeline file, so commands work from any subdirectory like git's do.
 */
export async function findRepoRoot(start: string = process.cwd()): Promise<string> {
  let dir = resolve(start);
  for (;;) {
    for (const marker of MARKERS) {
      if (await exists(join(dir, marker))) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
