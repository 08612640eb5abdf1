import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../../config.js';
import { ensureDir } from '../../util/atomic.js';
import { pidAlive } from '../../util/pid.js';

/**
 * Each coordinator that submits Slurm jobs writes a run record under `.dvc-ts/tmp/slurm-runs/`
 * before its first `sbatch`, and tags every job with the record's token (`--comment`), so a job
 * is found even when the coordinator was killed between sbatch's answer and any later write. The
 * next command that takes the repository lock cancels the jobs of dead coordinators and waits
 * for them to leave the queue (cancel, not wait for completion: a job of a dead run would write
 * into a workspace the new run is deciding about, and nothing would record what it made).
 */
export const SLURM_RUNS_DIR = `${DVC_TS_DIR}/tmp/slurm-runs`;
/** Job scripts and exit-status files, one folder per run. */
export const SLURM_WORK_DIR = `${DVC_TS_DIR}/tmp/slurm`;

interface RunRecord {
  pid: number;
  host: string;
  token: string;
}

export class SlurmRun {
  private constructor(readonly root: string, readonly token: string) {}

  static async start(root: string): Promise<SlurmRun> {
    const token = `${hostname()}-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
    const record: RunRecord = { pid: process.pid, host: hostname(), token };
    await ensureDir(join(root, SLURM_RUNS_DIR));
    await writeFile(join(root, SLURM_RUNS_DIR, `${token}.json`), JSON.stringify(record));
    return new SlurmRun(root, token);
  }

  /** `sbatch --comment`: what ties a job to this run. */
  get comment(): string {
    return commentOf(this.token);
  }

  /** Repository-relative folder of this run's scripts. */
  get workDir(): string {
    return `${SLURM_WORK_DIR}/${this.token}`;
  }

  async finish(): Promise<void> {
    await rm(join(this.root, this.workDir), { recursive: true, force: true });
    await rm(join(this.root, SLURM_RUNS_DIR, `${this.token}.json`), { force: true });
  }
}

function commentOf(token: string): string {
  return `dvc-ts:${token}`;
}

/** Records of coordinators on this host that are no longer alive. */
async function deadRuns(root: string): Promise<RunRecord[]> {
  const names = await readdir(join(root, SLURM_RUNS_DIR)).catch(() => [] as string[]);
  const dead: RunRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const record = await readFile(join(root, SLURM_RUNS_DIR, name), 'utf8').then(
      (t) => JSON.parse(t) as RunRecord,
      () => undefined,
    );
    // A coordinator on another login node cannot be checked from here: its record stays.
    if (record && record.host === hostname() && !pidAlive(record.pid)) dead.push(record);
  }
  return dead;
}

/**
 * Cancel the jobs killed coordinators left and wait until the controller reports them ended (or
 * forgets them). Call while holding the repository lock. Returns `stage (job id)` of each.
 */
export async function cancelOrphanJobs(root: string, options: { pollMs?: number; maxWaitMs?: number } = {}): Promise<string[]> {
  const dead = await deadRuns(root);
  if (dead.length === 0) return [];
  const { SlurmCli } = await import('./cli.js');
  const { isEndState } = await import('./job.js');
  const cli = new SlurmCli();
  const comments = new Set(dead.map((r) => commentOf(r.token)));
  let victims: Array<{ id: string; name: string }>;
  try {
    victims = (await cli.myJobs()).filter((j) => comments.has(j.comment) && !isEndState(j.state));
    const ids = victims.map((v) => v.id);
    await cli.cancel(ids);
    const deadline = Date.now() + (options.maxWaitMs ?? 120_000);
    while (ids.length > 0 && Date.now() < deadline) {
      const seen = await cli.queue(ids);
      if (ids.every((id) => !seen.has(id) || isEndState(seen.get(id)!.state))) break;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  } catch {
    // Slurm is not reachable from here: the records stay for a command that can reach it.
    return [];
  }
  for (const record of dead) {
    await rm(join(root, SLURM_WORK_DIR, record.token), { recursive: true, force: true });
    await rm(join(root, SLURM_RUNS_DIR, `${record.token}.json`), { force: true });
  }
  return victims.map((v) => `${v.name.split(':').slice(2).join(':') || v.name} (job ${v.id})`);
}
