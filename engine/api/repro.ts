import { checkMissingDeps } from '../pipeline/check-deps.js';
import { acquireRepoLock, describeCleanup } from '../repo/repo-lock.js';
import { Repo } from '../repo/repo.js';
import { reproduce, summarize, type ReproOptions, type ReproSummary } from '../run/repro.js';
import { defaultReporter, type RunReporter } from '../run/output.js';
import { openExecutor } from '../executor/registry.js';
import type { StageExecutor } from '../executor/types.js';
import { nothingToDo, UP_TO_DATE_LINE } from '../stage/outcome.js';

/** The scheduler's options, plus what the API adds around a run. */
export interface RunReproOptions extends Omit<ReproOptions, 'reporter' | 'signal' | 'executor'> {
  /**
   * `local` or `slurm` (engine/executor/registry.ts); default: `executor:` of the config, else
   * local. An executor object is used as it is and left open (several runs may share one).
   */
  executor?: string | StageExecutor;
  /** Pipeline file relative to root (default: pipeline.yaml, else dvc.yaml, at the root). */
  file?: string;
  /** Wait for another dvc-ts in this repository instead of failing. */
  wait?: boolean;
  /** Leave stage output out of the report. */
  quiet?: boolean;
  reporter?: RunReporter;
  /** Handle SIGINT/SIGTERM by stopping the run cleanly (the CLI does; library users may not want it). */
  handleSignals?: boolean;
  /** Aborting stops the run as SIGINT would (an experiment killed by `queue kill`). */
  stop?: AbortSignal;
}

/**
 * `dvc-ts repro` as a function: take the repository lock (not for a dry run), reproduce, save
 * the state cache, and print the summary line. SIGINT/SIGTERM kill the running stages' process
 * groups and leave the lock exactly as the finished stages made it.
 */
export async function runRepro(root: string, options: RunReproOptions = {}): Promise<ReproSummary> {
  const reporter = options.reporter ?? (await defaultReporter(options.quiet));
  const repoLock = options.dry ? undefined : await acquireRepoLock(root, { wait: options.wait });
  // Taking the lock ends a killed run's stages and sweeps its temp files.
  for (const line of repoLock ? describeCleanup(repoLock) : []) reporter.info(line);
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    reporter.info(`Received ${signal}: stopping the running stages…`);
    abort.abort();
  };
  if (options.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const onStop = () => abort.abort();
  if (options.stop?.aborted) abort.abort();
  else options.stop?.addEventListener('abort', onStop, { once: true });
  try {
    const repo = await Repo.open(root, { file: options.file });
    try {
      await checkMissingDeps(root, repo.pipeline);
      // A dry run runs nothing: no executor to open (nor a cluster to reach).
      const given = typeof options.executor === 'object' ? options.executor : undefined;
      const executor = options.dry ? undefined : given ?? (await openExecutor(root, repo.config, options.executor as string | undefined));
      try {
        const summary = await reproduce(repo, { ...options, executor, jobs: options.jobs ?? repo.config.jobs, reporter, signal: abort.signal });
        if (!options.dry && nothingToDo(summary.results.map((r) => r.outcome?.kind))) reporter.info(UP_TO_DATE_LINE);
        reporter.info(summarize(summary));
        return summary;
      } finally {
        if (executor !== given) await executor?.close();
      }
    } finally {
      await repo.close();
    }
  } finally {
    options.stop?.removeEventListener('abort', onStop);
    if (options.handleSignals !== false) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await repoLock?.release();
  }
}

export { UP_TO_DATE_LINE } from '../stage/outcome.js';
