import type { Command } from 'commander';
import { addFormatOptions, formatOf } from './metrics.js';
import { findProject } from '../repo/root.js';

export function registerParams(program: Command): void {
  const params = program.command('params').description('Compare params across git revisions (read-only)');
  addFormatOptions(
    params
      .command('diff')
      .description('Params used by stages that differ between two revisions (default: HEAD and the workspace)')
      .argument('[a]', 'old revision', 'HEAD')
      .argument('[b]', 'new revision (default: the workspace)')
      .option('--all', 'every key of the params files, changed or not'),
  ).action(async (a: string, b: string | undefined, opts: { all?: boolean; json?: boolean; md?: boolean }) => {
    const { paramsDiff } = await import('../api/params.js');
    const { formatDiff } = await import('../api/metrics.js');
    const { root, file } = await findProject();
    const report = await paramsDiff(root, { a, b, all: opts.all, file });
    process.stdout.write(formatDiff(report, formatOf(opts), 'Param'));
  });
}
