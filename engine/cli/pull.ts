import type { Command } from 'commander';
import { findProject } from '../repo/root.js';
import { printSyncReport, reportFailures, syncOptions, type SyncCliOptions } from './sync-options.js';

export function registerPull(program: Command): void {
  syncOptions(program.command('pull').description('fetch, then check out the outs and tracked data into the workspace'))
    .option('--wait', 'wait for another dvc-ts running in this repository instead of failing')
    .option('-f, --force', 'overwrite tracked data that was modified and is not in the cache')
    .action(async (targets: string[], opts: SyncCliOptions & { force?: boolean }) => {
      const { runPull } = await import('../api/pull.js');
      const { root, file } = await findProject();
      // A DVC repository with its own remote in .dvc/config and none of ours: that remote.
      const { syncFromDvcRemote } = await import('../remote/dvc-remote.js');
      const dvcExit = await syncFromDvcRemote(root, { fetchOnly: false, remote: opts.remote });
      if (dvcExit !== undefined) {
        process.exitCode = dvcExit;
        return;
      }
      const report = await runPull(root, { ...opts, targets, file, progress: true });
      await printSyncReport('fetched', report);
      for (const line of report.checkout) process.stdout.write(line + '\n');
      for (const p of report.tracked.restored) process.stdout.write(`A       ${p}\n`);
      reportFailures(report.tracked.failed);
      if (report.failed) process.exitCode = 1;
    });
}
