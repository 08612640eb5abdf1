import type { Command } from 'commander';
import { findProject } from '../repo/root.js';
import { printSyncReport, syncOptions, type SyncCliOptions } from './sync-options.js';

export function registerPush(program: Command): void {
  syncOptions(program.command('push').description('Upload to a remote what it lacks of the cached outs and tracked data')).action(
    async (targets: string[], opts: SyncCliOptions) => {
      const { runPush } = await import('../api/push.js');
      const { root, file } = await findProject();
      const report = await runPush(root, { ...opts, targets, file, progress: true });
      await printSyncReport('pushed', report);
    },
  );
}
