import type { Command } from 'commander';
import { findRepoRoot } from '../repo/root.js';

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('Inspect and repair the object cache (.dvc-ts/cache)');
  cache
    .command('verify')
    .description('Rehash every cache object and list the damaged ones (exit 1 when any)')
    .option('--remove', 'delete damaged objects and leftover temp files')
    .option('--wait', 'with --remove: wait for a running dvc-ts instead of failing')
    .option('--json', 'machine-readable report')
    .action(async (opts: { remove?: boolean; wait?: boolean; json?: boolean }) => {
      const { verifyCache, formatCacheVerify } = await import('../api/cache.js');
      const root = await findRepoRoot();
      const report = await verifyCache(root, { remove: opts.remove, wait: opts.wait });
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatCacheVerify(report));
      // Damage found is worth failing CI for even when it was just removed.
      if (report.bad.length > 0) process.exitCode = 1;
    });
}
