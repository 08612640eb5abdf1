import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `queue status`. */
export function registerQueueStatus(queue: Command): void {
  queue
    .command('status')
    .description('Queued, running and failed experiments')
    .option('--json', 'machine-readable JSON')
    .action(async (opts: { json?: boolean }) => {
      const { queueStatus } = await import('../../api/exp.js');
      const { renderText } = await import('../../report/render.js');
      const { root } = await findProject();
      const entries = await queueStatus(root);
      if (opts.json) {
        process.stdout.write(JSON.stringify(entries.map((e) => ({ name: e.name, state: e.state, queuedAt: e.queuedAt, error: e.error })), null, 2) + '\n');
        return;
      }
      if (entries.length === 0) {
        process.stdout.write('The queue is empty.\n');
        return;
      }
      const label = { queued: 'Queued', running: 'Running', failed: 'Failed' } as const;
      const rows = entries.map((e) => [e.name, e.queuedAt.replace('T', ' ').slice(0, 16), label[e.state], (e.error ?? '').split('\n')[0]!]);
      process.stdout.write(renderText({ headers: ['Experiment', 'Queued', 'Status', 'Error'], rows }));
    });
}
