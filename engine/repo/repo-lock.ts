import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { rethrowEnvironmentError, UserError } from '../errors.js';
import { DVC_TS_DIR } from '../config.js';
import { ensureDir, tempPathFor } from '../util/atomic.js';
import { sweepLeftovers } from './orphans.js';
import { reapOrphanStages } from '../executor/local/groups.js';
import { cancelOrphanJobs } from '../executor/slurm/orphans.js';

const LOCK_PATH = `${DVC_TS_DIR}/tmp/repo.lock`;
export { LOCK_PATH as REPO_LOCK_PATH };
/** A takeover guard older than this was left by a process killed while clearing a stale lock. */
const GUARD_STALE_MS = 10_000;

export interface RepoLock {
  release(): Promise<void>;
  /** The lock was taken over from a process that died holding it (it may have left temp files). */
  tookOver: boolean;
  /** Process groups of stages a killed dvc-ts left running, ended on taking the lock. */
  reaped: number[];
  /** Temp files a killed dvc-ts left half-written, removed on taking the lock. */
  swept: number;
  /** Cluster jobs a killed dvc-ts left (`stage (job id)`), cancelled and waited for on taking the lock. */
  cancelledJobs: string[];
}

export interface RepoLockOptions {
  /** Wait for the running dvc-ts instead of failing. */
  wait?: boolean;
  pollMs?: number;
}

/**
 * One writer per repository. The lock file holds the owner's pid and host; a lock whose process
 * is gone (same host, no such pid) is stale and taken over, so a killed run never wedges the repo.
 * Whoever takes the lock first clears what a killed dvc-ts left: its stages still running, its
 * temp files (see sweepLeftovers), so every command that writes starts from a clean repository.
 */
export async function acquireRepoLock(root: string, options: RepoLockOptions = {}): Promise<RepoLock> {
  const path = join(root, LOCK_PATH);
  try {
    await ensureDir(join(root, DVC_TS_DIR, 'tmp'));
    const { release, tookOver } = await lockExclusively(path, options);
    try {
      const [reaped, cancelledJobs] = await Promise.all([reapOrphanStages(root), cancelOrphanJobs(root)]);
      const swept = await sweepLeftovers(root, tookOver);
      return { release, tookOver, reaped, swept, cancelledJobs };
    } catch (e) {
      await release();
      throw e;
    }
  } catch (e) {
    return rethrowEnvironmentError(e, { action: 'take the repository lock', path: relative(root, path) });
  }
}

/** Run `work` holding the repository lock (taken as acquireRepoLock does), then release it. */
export async function withRepoLock<T>(root: string, options: RepoLockOptions, work: (lock: RepoLock) => Promise<T>): Promise<T> {
  const lock = await acquireRepoLock(root, options);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}

/** What a killed dvc-ts left, as the lines a command prints about it (none when nothing). */
export function describeCleanup(lock: RepoLock): string[] {
  const lines: string[] = [];
  if (lock.reaped.length) lines.push(`Ended ${lock.reaped.length} stage process group(s) left running by a killed dvc-ts`);
  if (lock.cancelledJobs.length) lines.push(`Cancelled ${lock.cancelledJobs.length} Slurm job(s) left by a killed dvc-ts: ${lock.cancelledJobs.join(', ')}`);
  if (lock.swept) lines.push(`Removed ${lock.swept} temp file(s) left by a killed dvc-ts`);
  return lines;
}

async function lockExclusively(path: string, options: RepoLockOptions): Promise<{ release: () => Promise<void>; tookOver: boolean }> {
  // The nonce tells this lock from one a later process with a reused pid writes.
  const me = `${process.pid} ${hostname()} ${randomBytes(6).toString('hex')}\n`;
  let tookOver = false;
  for (;;) {
    if (await createExclusive(path, me)) {
      return {
        tookOver,
        async release() {
          const now = await readFile(path, 'utf8').catch(() => '');
          if (now === me) await unlink(path).catch(() => undefined);
        },
      };
    }
    const owner = await readFile(path, 'utf8').catch(() => undefined);
    if (owner === undefined) continue; // released meanwhile: ask again
    const [pidText, host] = owner.trim().split(' ');
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0 || (host === hostname() && !isAlive(pid))) {
      // Dead owner (or a damaged lock): take it over.
      await removeStale(path, owner, me);
      tookOver = true;
      continue;
    }
    if (!options.wait) {
      throw new UserError(`another dvc-ts (pid ${pid}) is running in this repository`, {
        exitCode: 1,
        details: ['wait for it to finish, or run with --wait'],
      });
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Create `path` holding `content`, atomically: written beside it, then hard-linked into place,
 * so no one ever reads a lock that exists but is still empty (which looked stale and was taken
 * over, letting two runs in). False when the lock exists.
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = tempPathFor(path);
  await writeFile(tmp, content);
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
    // A file system without hard links: exclusive create, then write (a tiny window remains).
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(content);
      await fh.close();
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Delete the lock only if it still holds the stale `seen` content. Two processes that both saw
 * it stale would otherwise race: the first deletes it and takes the lock, the second deletes
 * that fresh lock. A guard file makes check-and-delete one step among those taking over.
 */
async function removeStale(path: string, seen: string, me: string): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await createExclusive(guard, me))) {
    const st = await stat(guard).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
    return;
  }
  try {
    if ((await readFile(path, 'utf8').catch(() => undefined)) === seen) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}
