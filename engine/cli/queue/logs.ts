import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `queue logs NAME`. */
export function registerQueueLogs(queue: Command): void {
  queue
    .command('logs')
    .description("An experiment's stage output (so far, when it is running)")
    .argument('<experiment>', 'experiment name')
    .action(async (name: string) => {
      const { queueLogs } = await import('../../api/exp.js');
      const { root } = await findProject();
      process.stdout.write(await queueLogs(root, name));
    });
}
