import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `exp apply NAME`. */
export function registerExpApply(exp: Command): void {
  exp
    .command('apply')
    .description("Put an experiment's params, lock, metrics and outputs into the workspace (refuses to overwrite unsaved changes)")
    .argument('<name>', 'experiment name')
    .option('-f, --force', 'overwrite changes that are neither committed nor in the cache')
    .action(async (name: string, opts: { force?: boolean }) => {
      const { expApply } = await import('../../api/exp.js');
      const { root, file } = await findProject();
      const result = await expApply(root, name, { force: opts.force, file });
      const wrote = result.written.length ? `wrote ${result.written.join(', ')}` : 'no file differed';
      process.stdout.write(`Applied ${name}: ${wrote}; restored ${result.restored.length} out(s) from the cache.\n`);
    });
}
