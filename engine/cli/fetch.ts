import type { Command } from 'commander';
import { findProject } from '../repo/root.js';
import { printSyncReport, syncOptions, type SyncCliOptions } from './sync-options.js';

export function registerFetch(program: Command): void {
  syncOptions(program.command('fetch').description('Download into the cache what it lacks (verified by hash); the workspace is not touched'))
    .option('--wait', 'wait for another dvc-ts running in this repository instead of failing')
    .action(async (targets: string[], opts: SyncCliOptions) => {
      const { runFetch } = await import('../api/fetch.js');
      const { root, file } = await findProject();
      // A DVC repository with its own remote in .dvc/config and none of ours: that remote.
      const { syncFromDvcRemote } = await import('../remote/dvc-remote.js');
      const dvcExit = await syncFromDvcRemote(root, { fetchOnly: true, remote: opts.remote });
      if (dvcExit !== undefined) {
        process.exitCode = dvcExit;
        return;
      }
      const report = await runFetch(root, { ...opts, targets, file, progress: true });
      await printSyncReport('fetched', report);
    });
}
