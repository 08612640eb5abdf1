import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../../config.js';
import { ensureDir } from '../../util/atomic.js';

/**
 * Stage process groups that outlived a dvc-ts killed with SIGKILL. Each running stage's group
 * is recorded under `.dvc-ts/tmp/stages/`; the next run, once it holds the repository lock,
 * ends any recorded group that is still alive, so a leftover stage cannot go on writing outputs
 * while the new run rebuilds them.
 */
const DIR = `${DVC_TS_DIR}/tmp/stages`;
export { DIR as STAGE_GROUPS_DIR };
const GRACE_MS = 2000;

/**
 * Best effort: the record only lets a later run end what a SIGKILLed one left running. A full
 * disk or a read-only mount must not fail the stage over it (nor leave its process unwatched).
 */
export async function recordStageGroup(root: string, pgid: number): Promise<void> {
  try {
    await ensureDir(join(root, DIR));
    await writeFile(join(root, DIR, String(pgid)), `${process.pid}\n`);
  } catch {
    // nothing to record it in
  }
}

export async function forgetStageGroup(root: string, pgid: number): Promise<void> {
  await unlink(join(root, DIR, String(pgid))).catch(() => undefined);
}

/** End the recorded groups of dead runs. Call only while holding the repository lock. */
export async function reapOrphanStages(root: string): Promise<number[]> {
  const names = await readdir(join(root, DIR)).catch(() => [] as string[]);
  const reaped: number[] = [];
  for (const name of names) {
    const pgid = Number(name);
    if (Number.isInteger(pgid) && pgid > 1 && (await belongsHere(root, pgid))) {
      signal(pgid, 'SIGTERM');
      const end = Date.now() + GRACE_MS;
      while (groupAlive(pgid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      signal(pgid, 'SIGKILL');
      reaped.push(pgid);
    }
    await unlink(join(root, DIR, name)).catch(() => undefined);
  }
  return reaped;
}

/**
 * A pid can be reused: only a group whose leader still carries this repository's
 * DVC_TS_ROOT in its environment is ours to end. Where /proc is not there, nothing is killed.
 */
async function belongsHere(root: string, pgid: number): Promise<boolean> {
  if (!groupAlive(pgid)) return false;
  // The leader (the stage's shell) may be gone while what it started lives on in the group.
  const members = [pgid, ...(await groupMembers(pgid))];
  for (const pid of members) {
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => undefined);
    if (env !== undefined) return env.split('\0').includes(`DVC_TS_ROOT=${root}`);
  }
  return false;
}

/** Processes whose process group is `pgid`, from /proc/<pid>/stat (field 5, after the name). */
async function groupMembers(pgid: number): Promise<number[]> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
  const found: number[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) found.push(Number(pid));
    }),
  );
  return found;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // already gone
  }
}
