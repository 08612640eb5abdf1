import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../../config.js';
import { pidAlive } from '../../util/pid.js';

/**
 * Slurm jobs a coordinator submitted, one record each under `.dvc-ts/tmp/slurm-jobs/`, removed
 * when the job's end has been seen. A coordinator killed with SIGKILL leaves its records; the
 * next command that takes the repository lock cancels those jobs and waits for them to leave
 * the node (cancel, not wait for completion: a job of a dead run would write into a workspace
 * the new run is deciding about, and nothing would record what it made).
 */
export const SLURM_JOBS_DIR = `${DVC_TS_DIR}/tmp/slurm-jobs`;
/** Scripts and exit-status files of running jobs. */
export const SLURM_WORK_DIR = `${DVC_TS_DIR}/tmp/slurm`;

interface JobRecord {
  pid: number;
  stage: string;
  files: string[];
}

export async function recordJob(root: string, id: string, stage: string, files: string[]): Promise<void> {
  await mkdir(join(root, SLURM_JOBS_DIR), { recursive: true });
  const record: JobRecord = { pid: process.pid, stage, files };
  await writeFile(join(root, SLURM_JOBS_DIR, id), JSON.stringify(record));
}

export async function forgetJob(root: string, id: string): Promise<void> {
  await unlink(join(root, SLURM_JOBS_DIR, id)).catch(() => undefined);
}

/** Job ids recorded by coordinators that are no longer alive, with their records. */
async function orphanRecords(root: string): Promise<Map<string, JobRecord>> {
  const names = await readdir(join(root, SLURM_JOBS_DIR)).catch(() => [] as string[]);
  const orphans = new Map<string, JobRecord>();
  for (const id of names.filter((n) => /^\d+$/.test(n))) {
    const text = await readFile(join(root, SLURM_JOBS_DIR, id), 'utf8').catch(() => '');
    let record: JobRecord;
    try {
      record = JSON.parse(text) as JobRecord;
    } catch {
      record = { pid: 0, stage: '?', files: [] };
    }
    if (!record.pid || !pidAlive(record.pid)) orphans.set(id, record);
  }
  return orphans;
}

/**
 * Cancel the jobs a killed coordinator left and wait until the controller reports them ended (or
 * forgets them). Call while holding the repository lock. Returns `stage (job id)` of each.
 */
export async function cancelOrphanJobs(root: string, options: { pollMs?: number; maxWaitMs?: number } = {}): Promise<string[]> {
  const orphans = await orphanRecords(root);
  if (orphans.size === 0) return [];
  const ids = [...orphans.keys()];
  const { SlurmCli } = await import('./cli.js');
  const { isEndState } = await import('./job.js');
  const cli = new SlurmCli();
  try {
    await cli.cancel(ids);
    const deadline = Date.now() + (options.maxWaitMs ?? 120_000);
    while (Date.now() < deadline) {
      const seen = await cli.queue(ids);
      if (ids.every((id) => !seen.has(id) || isEndState(seen.get(id)!.state))) break;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  } catch {
    // Slurm is not reachable from here: the records stay for a command that can reach it.
    return [];
  }
  for (const [id, record] of orphans) {
    for (const file of record.files) await rm(join(root, file), { force: true });
    await forgetJob(root, id);
  }
  return [...orphans].map(([id, r]) => `${r.stage} (job ${id})`);
}
