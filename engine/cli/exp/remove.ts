import type { Command } from 'commander';
import { findProject } from '../root.js';

/** `exp remove NAME… | --all | --queue`. */
export function registerExpRemove(exp: Command): void {
  exp
    .command('remove')
    .alias('rm')
    .description('Remove experiments (their refs) or queued and failed experiments')
    .argument('[names...]', 'experiment names')
    .option('--all', 'every experiment and every queued or failed one')
    .option('--queue', 'every queued or failed experiment')
    .action(async (names: string[], opts: { all?: boolean; queue?: boolean }) => {
      const { expRemove } = await import('../../api/exp.js');
      const { root } = await findProject();
      const removed = await expRemove(root, names, opts);
      process.stdout.write(`Removed ${removed.length} experiment(s)${removed.length ? `: ${removed.join(', ')}` : ''}.\n`);
    });
}
