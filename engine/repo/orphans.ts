import { readdir, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { IGNORED_DIR_NAMES } from '../hash/dir.js';
import { LOCK_FILE, parseLock } from '../lock/lockfile.js';
import { PIPELINE_FILES } from '../pipeline/files.js';
import { pidAlive } from '../util/pid.js';
import { madeOnThisHost, removeWorkspace, workspaceOwner } from '../exp/workspace.js';
import { reapOrphanStages } from '../executor/local/groups.js';

/** Names made by engine/util/atomic.ts tempPathFor: `.<name>.<pid>.<8 hex>.tmp`. */
export const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** dvc-ts's own folders where any command may write temps, even without the repository lock. */
export const OWN_DIRS = [`${DVC_TS_DIR}/tmp`, `${DVC_TS_DIR}/state`];

/** Never searched for locks: VCS data, our own folder, installed packages. */
const NOT_SEARCHED = new Set(['.git', DVC_TS_DIR, 'node_modules']);

/**
 * Delete the temp files a killed dvc-ts left half-written. Call while holding the repository
 * lock. Always in dvc-ts's own folders and every folder below them (a killed pull leaves its
 * partial downloads in `.dvc-ts/tmp/pull/`); when the lock was taken over from a dead process
 * (`tookOver`), also everywhere a locking command writes: the object and run caches, beside
 * every pipeline file and lock file (the first lock write of a killed first run leaves its temp
 * beside a lock that does not exist yet), beside every out the locks record and, for a directory
 * out, anywhere inside it (a killed checkout leaves a 40 MB temp beside each file it was
 * copying). Nothing ever trusts a temp, but left in the workspace it would be committed by
 * `git add -A`, and inside a directory out it would change the directory's hash. Returns how
 * many were removed.
 */
export async function sweepLeftovers(root: string, tookOver: boolean): Promise<number> {
  const own = await sweepOwnTemps(root);
  if (!tookOver) return own;
  const dirs = await cacheDirs(root);
  const deep: string[] = [];
  for (const file of await findPipelineAndLockFiles(root)) {
    dirs.push(dirnameOf(file));
    if (!file.endsWith(LOCK_FILE)) continue;
    for (const out of await lockedOuts(root, file)) {
      dirs.push(dirnameOf(out));
      deep.push(out);
    }
  }
  return own + (await sweepTempFiles(root, dirs)) + (await sweepTempFiles(root, await subdirectories(root, deep)));
}

/**
 * Temp files of dead writers in dvc-ts's own folders and every folder below them. Safe without
 * the repository lock (a live writer's temps are kept): `push`, which takes no lock, calls it.
 */
export async function sweepOwnTemps(root: string): Promise<number> {
  return sweepTempFiles(root, await subdirectories(root, OWN_DIRS));
}

/** The object and run caches' folders, each shard included: where a killed writer leaves temps. */
export async function cacheDirs(root: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const shard of ['cache/runs', 'cache/files/b3']) {
    const names = await readdir(join(root, DVC_TS_DIR, shard)).catch(() => [] as string[]);
    dirs.push(`${DVC_TS_DIR}/${shard}`, ...names.map((n) => `${DVC_TS_DIR}/${shard}/${n}`));
  }
  return dirs;
}

/**
 * Delete temp files whose writer is dead in `dirs` (repository-relative, not recursive). A temp
 * whose writer is still alive (a concurrent read-only command saving its state) is left alone.
 */
export async function sweepTempFiles(root: string, dirs: Iterable<string>): Promise<number> {
  let removed = 0;
  await Promise.all(
    [...new Set(dirs)].map(async (dir) => {
      const names = await readdir(join(root, dir)).catch(() => [] as string[]);
      for (const name of names) {
        const pid = Number(TEMP_NAME.exec(name)?.[1]);
        if (!pid || pidAlive(pid)) continue;
        await unlink(join(root, dir, name)).then(
          () => removed++,
          () => undefined,
        );
      }
    }),
  );
  return removed;
}

/** Every pipeline file and `pipeline.lock` below the root (a pipeline may live in a subdirectory). */
async function findPipelineAndLockFiles(root: string): Promise<string[]> {
  const names = new Set<string>([LOCK_FILE, ...PIPELINE_FILES]);
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.isFile() && names.has(e.name)) found.push(path);
      else if (e.isDirectory() && !NOT_SEARCHED.has(e.name)) await walk(path);
    }
  };
  await walk('');
  return found;
}

/** The out paths a lock file records; none when it cannot be read. */
async function lockedOuts(root: string, lockFile: string): Promise<string[]> {
  try {
    const lock = parseLock(await readFile(join(root, lockFile), 'utf8'), lockFile);
    return Object.values(lock.stages).flatMap((entry) => entry.outs.map((o) => o.path));
  } catch {
    return [];
  }
}

/** Each of `paths` that is a directory, with every directory below it (not .git, .dvc-ts). */
async function subdirectories(root: string, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => undefined);
    if (!entries) return;
    found.push(dir);
    for (const e of entries) if (e.isDirectory() && !IGNORED_DIR_NAMES.has(e.name)) await walk(`${dir}/${e.name}`);
  };
  for (const path of new Set(paths)) if (!path.startsWith('..') && !path.startsWith('/')) await walk(path);
  return found;
}

function dirnameOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

/**
 * Remove the experiment workspaces (full copies of a repository, outs included, in the system
 * temp folder) whose owning `exp run` is dead, after ending the stages it left running in them.
 * A copy whose owner lives, or that another host made, is never touched. A killed `exp run` may also have left temps in the
 * cache it shares with `root` (its workspace links to it) while holding no lock of `root`: when
 * a dead copy is found, those are swept too. Returns how many copies and temps were removed.
 */
export async function sweepDeadExperiments(root: string): Promise<{ workspaces: string[]; temps: number }> {
  const base = tmpdir();
  const names = await readdir(base).catch(() => [] as string[]);
  const workspaces: string[] = [];
  for (const name of names) {
    const owner = workspaceOwner(name);
    if (owner === undefined || owner === process.pid || pidAlive(owner)) continue;
    const workspace = join(base, name);
    if (!(await madeOnThisHost(workspace))) continue;
    await reapOrphanStages(workspace);
    await removeWorkspace(workspace).then(
      () => workspaces.push(workspace),
      () => undefined,
    );
  }
  const temps = workspaces.length > 0 ? await sweepTempFiles(root, await cacheDirs(root)) : 0;
  return { workspaces, temps };
}
