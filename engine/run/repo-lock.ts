import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import { DVC_TS_DIR } from '../config.js';

const LOCK_PATH = `${DVC_TS_DIR}/tmp/repo.lock`;

export interface RepoLock {
  release(): Promise<void>;
}

/**
 * One writer per repository. The lock file holds the owner's pid and host; a lock whose process
 * is gone (same host, no such pid) is stale and taken over, so a killed run never wedges the repo.
 */
export async function acquireRepoLock(root: string, options: { wait?: boolean; pollMs?: number } = {}): Promise<RepoLock> {
  const path = join(root, LOCK_PATH);
  await mkdir(join(root, DVC_TS_DIR, 'tmp'), { recursive: true });
  const me = `${process.pid} ${hostname()}\n`;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(me);
      await fh.close();
      return {
        async release() {
          const now = await readFile(path, 'utf8').catch(() => '');
          if (now === me) await unlink(path).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readFile(path, 'utf8').catch(() => '');
    const [pidText, host] = owner.trim().split(' ');
    const pid = Number(pidText);
    if (owner === '' || !Number.isInteger(pid) || (host === hostname() && !isAlive(pid))) {
      // Dead owner (or a half-written lock from a killed process): take it over.
      await unlink(path).catch(() => undefined);
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
