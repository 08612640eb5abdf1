import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { parseJobs } from '../repro.js';

/** `queue start [-j N]`: run the queue here, in the foreground (no worker daemon). */
export function registerQueueStart(queue: Command): void {
  queue
    .command('start')
    .description('Run the queued experiments now, in this process (as `exp run --run-all`)')
    .option('-j, --jobs <n>', 'experiments run at once', parseJobs)
    .action(async (opts: { jobs?: number }) => {
      const { expRun } = await import('../../api/exp.js');
      const { root, file } = await findProject();
      const result = await expRun(root, { runAll: true, jobs: opts.jobs, file, log: (line) => process.stdout.write(line + '\n') });
      const failed = result.outcomes.filter((o) => o.error).length;
      process.stdout.write(`${result.outcomes.filter((o) => o.commit).length} experiment(s) done, ${failed} failed.\n`);
      process.exitCode = result.interrupted ? 130 : failed > 0 ? 1 : 0;
    });
}
