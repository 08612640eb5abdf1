import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `exp rename OLD NEW`. */
export function registerExpRename(exp: Command): void {
  exp
    .command('rename')
    .description('Rename an experiment (its ref; the commit stays the same)')
    .argument('<experiment>', 'experiment name')
    .argument('<name>', 'new name')
    .action(async (from: string, to: string) => {
      const { expRename } = await import('../../api/exp.js');
      const { root } = await findProject();
      await expRename(root, from, to);
      process.stdout.write(`Renamed ${from} to ${to}.\n`);
    });
}
