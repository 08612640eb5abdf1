import type { Command } from 'commander';
import { findProject } from '../repo/root.js';

interface StatusCliOptions {
  json?: boolean;
  quiet?: boolean;
  cloud?: boolean;
  remote?: string;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show which stages are stale and every reason why (read-only)')
    .argument('[targets...]', 'stage names (and what they depend on)')
    .option('--json', 'machine-readable output, gate decisions included')
    .option('-q, --quiet', 'print nothing; exit 1 when anything is stale (for CI)')
    .option('-c, --cloud', 'compare the cache with a remote instead: what push and pull would move')
    .option('-r, --remote <name>', 'with -c: the remote (default: core.remote)')
    .action(async (targets: string[], opts: StatusCliOptions) => {
      const { root, file } = await findProject();
      if (opts.cloud) {
        // Remotes (issue 11): engine/api/cloud-status.ts.
        const { runCloudStatus, formatCloudStatus } = await import('../api/cloud-status.js');
        const status = await runCloudStatus(root, { targets, file, remote: opts.remote });
        if (opts.json) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        else if (!opts.quiet) process.stdout.write(formatCloudStatus(status));
        if (opts.quiet && status.notOnRemote.length + status.notInCache.length + status.nowhere.length > 0) process.exitCode = 1;
        return;
      }
      const { statusOutput } = await import('../api/status.js');
      const out = await statusOutput(root, { targets, file, json: opts.json, quiet: opts.quiet });
      process.stdout.write(out.stdout);
      if (out.exitCode !== 0) process.exitCode = out.exitCode;
    });
}
