// What the Slurm tests ask of the one-node cluster that .ci/run starts (scripts/slurm/start.sh).
import { execa } from 'execa';

/** False when the cluster answers; else why the Slurm tests skip (printed by node's runner). */
export const slurmSkip: string | false = await execa('scontrol', ['ping'], { reject: false, timeout: 20_000 }).then(
  (r) => (r.exitCode === 0 && /\bUP\b/.test(String(r.stdout)) ? false : `no Slurm controller answers here (scontrol ping: ${String(r.stdout || r.stderr || r.shortMessage).trim().split('\n')[0]}); start one with scripts/slurm/start.sh`),
  (e: Error) => `Slurm is not installed here (${e.message.split('\n')[0]}); start one with scripts/slurm/start.sh`,
);

export interface ClusterJob {
  id: string;
  name: string;
  state: string;
}

/** Every job the controller knows whose name says it belongs to the repository folder `repoName`. */
export async function jobsOf(repoName: string): Promise<ClusterJob[]> {
  const r = await execa('squeue', ['-h', '-t', 'all', '-o', '%i|%j|%T'], { reject: false });
  return String(r.stdout)
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter(([id, name]) => id && name?.startsWith(`dvc-ts:${repoName}:`))
    .map(([id, name, state]) => ({ id: id!, name: name!, state: state! }));
}

const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

export function isActive(job: ClusterJob): boolean {
  return !ENDED.has(job.state);
}
