import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE, DVC_TS_DIR } from '../config.js';
import { writeFileAtomic, ensureDir } from '../util/atomic.js';
import { DVC_TS_IGNORE as IGNORE } from '../run/dvc-ts-dir.js';

const CONFIG_TEMPLATE = `# dvc-ts repository settings (committed with the repository).
cache:
  # How cached outputs are put into the workspace, tried in order: reflink, hardlink, symlink, copy.
  # hardlink/symlink share bytes with the cache, so dvc-ts makes such files read-only.
  type: [reflink, copy]
# Stages run at once by default (repro -j overrides).
jobs: 1
`;

/** Create `.dvc-ts/config.yaml` and `.dvc-ts/.gitignore`; existing files are left alone. */
export async function initRepo(root: string): Promise<string[]> {
  await ensureDir(join(root, DVC_TS_DIR));
  const made: string[] = [];
  for (const [file, text] of [
    [CONFIG_FILE, CONFIG_TEMPLATE],
    [`${DVC_TS_DIR}/.gitignore`, IGNORE],
  ] as const) {
    try {
      await access(join(root, file));
    } catch {
      await writeFileAtomic(join(root, file), text);
      made.push(file);
    }
  }
  return made;
}
