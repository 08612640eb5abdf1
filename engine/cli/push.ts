import type { Command } from 'commander';
import { findProject } from './root.js';
import { reportFailures, syncOptions, type SyncCliOptions } from './sync-options.js';

export function registerPush(program: Command): void {
  syncOptions(program.command('push').description('Upload to a remote what it lacks of the cached outs and tracked data')).action(
    async (targets: string[], opts: SyncCliOptions) => {
      const { runPush, formatSyncReport } = await import('../api/push.js');
      const { describeFailures } = await import('../remote/transfer.js');
      const { root, file } = await findProject();
      const report = await runPush(root, { ...opts, targets, file, progress: true });
      for (const n of report.notes) process.stderr.write(`warning: ${n}\n`);
      reportFailures(describeFailures(report.failures));
      process.stdout.write(formatSyncReport('pushed', report) + '\n');
    },
  );
}
