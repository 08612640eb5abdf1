import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { writeFileAtomic } from '../util/atomic.js';

/** `.dvc-ts/.gitignore`: what under `.dvc-ts/` stays local to the machine. */
export const DVC_TS_IGNORE = `# Local to this machine: the object cache, hash state, logs and locks.
/cache/
/state/
/tmp/
/logs/
`;

/**
 * `.dvc-ts/.gitignore` keeps the cache, state and logs out of git. Every command that writes
 * under `.dvc-ts/` makes sure it exists, so a repository nobody ran `init` in is safe too.
 */
export async function ensureDvcTsIgnored(root: string): Promise<void> {
  const file = join(root, DVC_TS_DIR, '.gitignore');
  try {
    await access(file);
  } catch {
    await writeFileAtomic(file, DVC_TS_IGNORE);
  }
}
