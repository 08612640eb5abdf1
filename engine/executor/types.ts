// The seam between the scheduler (engine/run/repro.ts) and whatever runs a stage's commands: a
// child process here (local) or a batch job on a cluster (slurm). Deciding, hashing and recording
// stay in the coordinator; an executor only runs commands and says how they ended.
import type { StageDef } from '../types.js';

/** Where a stage runs: the repository (engine/repo/repo.ts's Repo is one). */
export interface StageSite {
  readonly root: string;
  /** Repository-relative path → absolute. */
  abs(relPath: string): string;
}

/** Where a stage's output and an executor's remarks go (engine/run/output.ts's RunReporter is one). */
export interface StageOutput {
  stageOutput(name: string, stream: 'stdout' | 'stderr', chunk: Buffer): void;
  info(line: string): void;
}

export interface StageExecutor {
  /** `local`, `slurm`: what the user chose. */
  readonly name: string;
  /** True once interrupt() was called: no new stage starts, running ones are being stopped. */
  readonly interrupted: boolean;
  /** How much of the `-j` budget one run of the stage takes (at least 1, at most `jobs`). */
  slots(stage: StageDef, jobs: number): number;
  /**
   * Bound the stages this executor and its forks run at once to `jobs`, and say how many runs
   * (experiments) a batch should prepare at once. Local: `jobs` (the runs are the bound, as
   * ever). A cluster executor holds its jobs to `jobs` itself and says more, so the next runs'
   * copying and deciding overlap the running jobs and their jobs go in the moment a slot frees.
   */
  limitJobs(jobs: number): number;
  /** Run the stage's commands; undefined on success, else what went wrong (job id, state, log tail). */
  execute(site: StageSite, stage: StageDef, output: StageOutput): Promise<string | undefined>;
  /** Stop every running stage (Ctrl-C, SIGTERM). */
  interrupt(): void;
  /** Release what the executor holds (watchers, timers) once the run is over. */
  close(): Promise<void>;
  /**
   * An executor for one of several runs at once (experiments): its own interrupt, sharing this
   * one's watching (one squeue call per poll for all of them). Closing the parent ends it.
   */
  fork(): StageExecutor;
}

/** `.dvc-ts/config.yaml` (and `config.local.yaml`) `slurm:` options. */
export interface SlurmSettings {
  partition?: string;
  account?: string;
  qos?: string;
  /** Further sbatch flags, passed as written (`["--exclusive", "--constraint=a100"]`). */
  sbatchArgs: string[];
  /** Milliseconds between two polls of the queue. */
  pollMs: number;
}

export interface ExecutorSettings {
  /** The executor `repro` uses when the command line names none. */
  executor: string;
  slurm: SlurmSettings;
}
