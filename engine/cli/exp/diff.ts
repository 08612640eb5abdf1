import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { addFormatOptions, formatOf } from '../metrics.js';

/** `exp diff A [B]`: params and metrics that differ. */
export function registerExpDiff(exp: Command): void {
  addFormatOptions(
    exp
      .command('diff')
      .description('Params and metrics that differ between two experiments (or revisions); one name: against its baseline')
      .argument('<a>', 'experiment name or revision')
      .argument('[b]', 'experiment name or revision')
      .option('--all', 'unchanged values too'),
  ).action(async (a: string, b: string | undefined, opts: { all?: boolean; json?: boolean; md?: boolean }) => {
    const { expDiff } = await import('../../api/exp.js');
    const { formatDiff } = await import('../../api/metrics.js');
    const { diffToJson } = await import('../../report/compare.js');
    const { root, file } = await findProject();
    const report = await expDiff(root, a, b, { all: opts.all, file });
    const format = formatOf(opts);
    if (format === 'json') {
      process.stdout.write(JSON.stringify({ params: diffToJson(report.params), metrics: diffToJson(report.metrics) }, null, 2) + '\n');
      return;
    }
    process.stdout.write(formatDiff({ old: report.old, new: report.new, rows: report.params }, format, 'Param'));
    process.stdout.write('\n');
    process.stdout.write(formatDiff({ old: report.old, new: report.new, rows: report.metrics }, format, 'Metric'));
  });
}
