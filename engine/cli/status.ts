import type { Command } from 'commander';
import { findProject } from './root.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show which stages are stale and every reason why (read-only)')
    .argument('[targets...]', 'stage names (and what they depend on)')
    .option('--json', 'machine-readable output, gate decisions included')
    .option('-q, --quiet', 'print nothing; exit 1 when anything is stale (for CI)')
    .action(async (targets: string[], opts: { json?: boolean; quiet?: boolean }) => {
      const { runStatus, formatStatus } = await import('../api/status.js');
      const { root, file } = await findProject();
      const report = await runStatus(root, { targets, file });
      if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else if (!opts.quiet) process.stdout.write(formatStatus(report));
      if (opts.quiet && !report.upToDate) process.exitCode = 1;
    });
}
