// An isolated workspace for one experiment: a temporary copy of the repository's files beside
// (never inside) it, sharing the repository's cache through a symlink, so what one experiment
// computes every other one can restore.
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';

/** dvc-ts's own folders that are local to one workspace (the cache is linked, not copied). */
const LOCAL_DIRS = new Set(['cache', 'state', 'tmp', 'logs', 'lock', 'exps']);

/**
 * Copy `root` into a new temporary directory for an experiment. Skipped: `.git`, dvc-ts's local
 * folders, and `skip` (cached outs: the run restores them from the cache by link or reflink).
 * `node_modules` folders are linked, not copied. With `shareCache: false` the workspace starts
 * with a cache of its own (a study that must not reuse earlier runs). Returns the workspace's absolute path.
 */
export async function createWorkspace(root: string, skip: ReadonlySet<string> = new Set(), options: { shareCache?: boolean } = {}): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'dvc-ts-exp-'));
  try {
    await copyTree(root, workspace, '', skip);
    if (options.shareCache === false) return workspace;
    const cache = join(root, DVC_TS_DIR, 'cache');
    await mkdir(cache, { recursive: true });
    await mkdir(join(workspace, DVC_TS_DIR), { recursive: true });
    await symlink(cache, join(workspace, DVC_TS_DIR, 'cache'), 'dir');
  } catch (e) {
    await removeWorkspace(workspace);
    throw e;
  }
  return workspace;
}

async function copyTree(from: string, to: string, rel: string, skip: ReadonlySet<string>): Promise<void> {
  await mkdir(join(to, rel), { recursive: true });
  for (const entry of await readdir(join(from, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (skip.has(path)) continue;
    if (rel === '' && entry.name === '.git') continue;
    if (rel === DVC_TS_DIR && LOCAL_DIRS.has(entry.name)) continue;
    const src = join(from, path);
    const dst = join(to, path);
    if (entry.name === 'node_modules' && entry.isDirectory()) await symlink(src, dst, 'dir');
    else if (entry.isSymbolicLink()) await symlink(await readlink(src), dst);
    else if (entry.isDirectory()) await copyTree(from, to, path, skip);
    else if (entry.isFile()) await copyFile(src, dst, constants.COPYFILE_FICLONE);
    else if ((await lstat(src)).isFile()) await copyFile(src, dst, constants.COPYFILE_FICLONE);
  }
}

export async function removeWorkspace(workspace: string): Promise<void> {
  await rm(workspace, { recursive: true, force: true, maxRetries: 3 });
}
