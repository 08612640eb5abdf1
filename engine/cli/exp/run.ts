import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { parseJobs } from '../repro.js';
import { collect } from './options.js';

interface RunCliOptions {
  setParam: string[];
  name?: string;
  message?: string;
  copyPaths: string[];
  queue?: boolean;
  runAll?: boolean;
  jobs?: number;
  executor?: string;
}

/** `exp run`: run an experiment, a grid or a sweep, or queue them. */
export function registerExpRun(exp: Command): void {
  exp
    .command('run')
    .description('Run an experiment (or a grid of them); each is saved as refs/exps/<name> with its lock, params and metrics')
    .option('-S, --set-param <[file:]key=value>', "set a param; key=a,b, key=choice(a,b) or key='range(0.1,1,0.1)' sweep it (several keys: every combination); repeatable", collect, [])
    .option('-n, --name <name>', 'name of the experiment (a grid: NAME-1, NAME-2, …)')
    .option('-m, --message <text>', "the experiment commit's message")
    .option('-C, --copy-paths <path>', 'copy this cached out into the experiment workspace instead of restoring it from the cache; repeatable', collect, [])
    .option('--queue', 'only add to the queue; run later with `exp run --run-all` or `queue start`')
    .option('--run-all', 'run every queued experiment, each in its own temporary workspace')
    .option('-j, --jobs <n>', 'experiments run at once (they share one cache; on a cluster: jobs in flight); "auto" = number of cores', parseJobs)
    .option('--executor <name>', 'what runs the stages: local or slurm (one batch job per stage); default: `executor:` of .dvc-ts/config.yaml, else local')
    .action(async (opts: RunCliOptions) => {
      const { expRun } = await import('../../api/exp.js');
      const { root, file } = await findProject();
      const { setParam: set, name, message, copyPaths, queue, runAll, jobs, executor } = opts;
      const result = await expRun(root, { set, name, message, copyPaths, queue, runAll, jobs, executor, file, log: (line) => process.stdout.write(line + '\n') });
      if (queue) {
        process.stdout.write(`${result.queued.length} experiment(s) queued; run them with 'dvc-ts exp run --run-all -j N'\n`);
        return;
      }
      const failed = result.outcomes.filter((o) => o.error);
      const done = result.outcomes.filter((o) => o.commit).length;
      const tail = result.interrupted ? ' (interrupted: the rest stay queued)' : failed.length ? " ('dvc-ts queue logs NAME' shows a failed one's log)" : '';
      process.stdout.write(`${done} experiment(s) done, ${failed.length} failed${tail}. See them with 'dvc-ts exp show'.\n`);
      process.exitCode = result.interrupted ? 130 : failed.length > 0 ? 1 : 0;
    });
}
