// Pure: what dvc-ts asks of Slurm for one stage (the job script, the sbatch flags) and how it
// reads what Slurm says back (squeue lines, end states). No process is started here.
import type { StageDef, StageResources } from '../../types.js';
import type { SlurmSettings } from '../types.js';

/** States after which a job runs no more (squeue's long names). */
const END_STATES = new Set([
  'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'REVOKED', 'SPECIAL_EXIT',
]);

export function isEndState(state: string): boolean {
  return END_STATES.has(state);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The batch script of a stage: its commands in order with `sh -c`, stopping at the first
 * failure, each announced in the log as the local executor does; then the exit status written
 * to `rcFile` (temp + rename), which is how the coordinator learns a command's exit code.
 */
export function jobScript(stage: StageDef, root: string, rcFile: string): string {
  const lines = [
    '#!/bin/sh',
    `# dvc-ts stage ${stage.name}`,
    `export DVC_TS_STAGE=${shellQuote(stage.name)} DVC_TS_ROOT=${shellQuote(root)}`,
    'run() { printf \'$ %s\\n\' "$1"; sh -c "$1"; }',
    `${stage.cmd.map((c) => `run ${shellQuote(c)}`).join(' && \\\n  ') || 'true'}`,
    'rc=$?',
    `printf '%s\\n' "$rc" > ${shellQuote(rcFile + '.tmp')} && mv ${shellQuote(rcFile + '.tmp')} ${shellQuote(rcFile)}`,
    'exit "$rc"',
  ];
  return lines.join('\n') + '\n';
}

export interface SubmitRequest {
  stage: StageDef;
  /** The repository's folder name: job names say which repository a job belongs to. */
  repoName: string;
  /** Absolute: the stage's working directory, its log file, its script. */
  chdir: string;
  logFile: string;
  scriptFile: string;
  /** `--comment`: ties the job to the coordinator's run record (engine/executor/slurm/orphans.ts). */
  comment: string;
  settings: SlurmSettings;
}

/** `sbatch` arguments for one stage: resources first, then the configured and the stage's own. */
export function sbatchArgs(req: SubmitRequest): string[] {
  const r: StageResources = req.stage.resources ?? {};
  const args = ['--parsable', `--job-name=dvc-ts:${req.repoName}:${req.stage.name}`, `--chdir=${req.chdir}`, `--output=${req.logFile}`, '--open-mode=truncate', `--comment=${req.comment}`];
  const partition = r.partition ?? req.settings.partition;
  if (partition) args.push(`--partition=${partition}`);
  if (req.settings.account) args.push(`--account=${req.settings.account}`);
  if (req.settings.qos) args.push(`--qos=${req.settings.qos}`);
  if (r.cpus !== undefined) args.push(`--cpus-per-task=${r.cpus}`);
  if (r.mem !== undefined) args.push(`--mem=${r.mem}`);
  if (r.gpus) args.push(`--gres=gpu:${r.gpus}`);
  if (r.time !== undefined) args.push(`--time=${r.time}`);
  args.push(...req.settings.sbatchArgs, req.scriptFile);
  return args;
}

/** `squeue -h -t all -j … -o FORMAT`: one line per job the controller still knows. */
export const QUEUE_FORMAT = '%i|%T|%r';

export interface QueueEntry {
  state: string;
  reason: string;
}

export function parseQueue(text: string): Map<string, QueueEntry> {
  const jobs = new Map<string, QueueEntry>();
  for (const line of text.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (id && state) jobs.set(id, { state, reason: reason && reason !== 'None' ? reason : '' });
  }
  return jobs;
}

/** The job id `sbatch --parsable` prints: `123` or `123;cluster`. */
export function parseSubmitted(stdout: string): string | undefined {
  const id = stdout.trim().split(';')[0];
  return id && /^\d+$/.test(id) ? id : undefined;
}
