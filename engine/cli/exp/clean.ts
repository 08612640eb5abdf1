import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `exp clean`. */
export function registerExpClean(exp: Command): void {
  exp
    .command('clean')
    .description('Remove what experiment runs left behind: temporary workspaces of killed runs, unused queue snapshots, logs of removed experiments')
    .action(async () => {
      const { expClean } = await import('../../api/exp.js');
      const { root } = await findProject();
      const removed = await expClean(root);
      process.stdout.write(removed.length ? `Removed ${removed.length}:\n${removed.map((r) => `  ${r}\n`).join('')}` : 'Nothing to clean.\n');
    });
}
