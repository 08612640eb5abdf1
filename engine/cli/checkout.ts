import type { Command } from 'commander';
import { findProject } from './root.js';

export function registerCheckout(program: Command): void {
  program
    .command('checkout')
    .description('Restore cached outputs in the workspace to what pipeline.lock records')
    .argument('[targets...]', 'stage names (default: every stage)')
    .option('-f, --force', 'replace outs even where the workspace holds changes the cache does not (they are lost)')
    .option('--wait', 'wait for another dvc-ts running in this repository instead of failing')
    .action(async (targets: string[], opts: { wait?: boolean; force?: boolean }) => {
      const { runCheckout } = await import('../api/checkout.js');
      const { root, file } = await findProject();
      const result = await runCheckout(root, { targets, file, wait: opts.wait, force: opts.force });
      for (const line of result.lines) process.stdout.write(line + '\n');
      if (result.failed > 0 || result.kept.length > 0) process.exitCode = 1;
    });
}
