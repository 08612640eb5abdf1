import type { Command } from 'commander';
import { findProject } from '../repo/root.js';

export function registerCheckout(program: Command): void {
  program
    .command('checkout')
    .description('Restore cached outputs in the workspace to what pipeline.lock records')
    .argument('[targets...]', 'stage names (default: every stage)')
    .option('-f, --force', 'replace outs (and tracked data) even where the workspace holds changes the cache does not (they are lost)')
    .option('--wait', 'wait for another dvc-ts running in this repository instead of failing')
    .action(async (targets: string[], opts: { wait?: boolean; force?: boolean }) => {
      const { runCheckout } = await import('../api/checkout.js');
      const { root, file } = await findProject();
      // Tracked data (issue 11): what the `.dvc` files record; a repository may have only those.
      const { checkoutTrackedData, hasPipelineFile } = await import('../api/pull.js');
      const tracked = await checkoutTrackedData(root, targets, { wait: opts.wait, force: opts.force });
      const stageTargets = targets.filter((t) => !tracked.targets.has(t));
      const onlyData = targets.length > 0 && stageTargets.length === 0;
      if (!onlyData && (file !== undefined || (await hasPipelineFile(root)) || tracked.considered === 0)) {
        const result = await runCheckout(root, { targets: stageTargets, file, wait: opts.wait, force: opts.force });
        for (const line of result.lines) process.stdout.write(line + '\n');
        if (result.failed > 0 || result.kept.length > 0) process.exitCode = 1;
      }
      for (const p of tracked.restored) process.stdout.write(`A       ${p}\n`);
      for (const l of tracked.failed) process.stderr.write(`error: ${l}\n`);
      if (tracked.failed.length > 0) process.exitCode = 1;
    });
}
