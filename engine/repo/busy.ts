import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OWN_DIRS, TEMP_NAME } from './orphans.js';
import { STAGE_GROUPS_DIR } from '../executor/local/groups.js';
import { SLURM_RUNS_DIR } from '../executor/slurm/orphans.js';
import { REPO_LOCK_PATH } from './repo-lock.js';

/**
 * At answer time: what `repro` would do before its stages, read now rather than watched (these
 * files come and go with every command): wait for or fail on another dvc-ts holding the lock,
 * end stage groups a killed one left, sweep its temp files. Any of them: no warm answer.
 */
export function busyReason(root: string): string | undefined {
  if (existsSync(join(root, REPO_LOCK_PATH))) return 'another dvc-ts holds the repository lock';
  if (listing(join(root, STAGE_GROUPS_DIR)).length > 0) return 'stage processes of a killed run are recorded';
  if (listing(join(root, SLURM_RUNS_DIR)).length > 0) return 'a run with cluster jobs is recorded';
  for (const dir of OWN_DIRS) if (listing(join(root, dir)).some((n) => TEMP_NAME.test(n))) return 'temp files of another dvc-ts are present';
  return undefined;
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
