import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `queue remove NAME… | --all | --queued | --failed`. */
export function registerQueueRemove(queue: Command): void {
  queue
    .command('remove')
    .alias('rm')
    .description('Take experiments out of the queue (queued or failed; `queue kill` a running one first)')
    .argument('[experiments...]', 'experiment names')
    .option('--all', 'every entry that is not running')
    .option('--queued', 'every queued entry')
    .option('--failed', 'every failed entry')
    .option('--success', 'accepted for DVC compatibility: a successful experiment leaves the queue when it is saved')
    .action(async (names: string[], opts: { all?: boolean; queued?: boolean; failed?: boolean; success?: boolean }) => {
      const { queueRemove } = await import('../../api/exp.js');
      const { root } = await findProject();
      if (opts.success && names.length === 0 && !opts.all && !opts.queued && !opts.failed) {
        process.stdout.write('Removed 0 experiment(s).\n');
        return;
      }
      const removed = await queueRemove(root, names, opts);
      process.stdout.write(`Removed ${removed.length} experiment(s)${removed.length ? `: ${removed.join(', ')}` : ''}.\n`);
    });
}
