import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `queue kill NAME…`. */
export function registerQueueKill(queue: Command): void {
  queue
    .command('kill')
    .description('Stop running experiments: each is kept as failed with its log; the rest of the queue runs on')
    .argument('<experiments...>', 'names of running experiments')
    .action(async (names: string[]) => {
      const { queueKill } = await import('../../api/exp.js');
      const { root } = await findProject();
      const killed = await queueKill(root, names);
      process.stdout.write(`Killed ${killed.join(', ')}.\n`);
    });
}
