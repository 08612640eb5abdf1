import { Option, type Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { addFormatOptions } from '../metrics.js';
import { addRevisionOptions, positiveInt, regexOption, type RevisionCliOptions } from './options.js';

interface ShowCliOptions extends RevisionCliOptions {
  allBranches?: boolean;
  all?: boolean;
  allColumns?: boolean;
  keep?: string;
  drop?: string;
  json?: boolean;
  md?: boolean;
  csv?: boolean;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
  hideFailed?: boolean;
  hideQueued?: boolean;
  precision?: number;
}

/** `exp show`: baselines and their experiments as a table, markdown, CSV or JSON. */
export function registerExpShow(exp: Command): void {
  const show = addRevisionOptions(
    addFormatOptions(exp.command('show').description('Experiments of HEAD (or of the revisions asked for): metrics with the change against their baseline, params and dependencies that differ, the queue')),
  )
    .option('-a, --all-branches', 'experiments of every branch tip')
    .addOption(new Option('--all', 'experiments of every baseline they have').hideHelp())
    .addOption(new Option('--csv', 'comma-separated values, a header row naming each column (metrics as file:key)').conflicts(['json', 'md']))
    .option('--sort-by <metric>', 'sort by a metric (`key`, or `file:key` when several files have it)')
    .addOption(new Option('--sort-order <order>', 'with --sort-by').choices(['asc', 'desc']).default('asc'))
    .option('--hide-failed', 'leave out failed experiments')
    .option('--hide-queued', 'leave out queued and running experiments')
    .option('--precision <n>', 'significant digits of numbers (default 5; CSV and JSON are exact)', positiveInt)
    .option('--all-columns', 'every metric, not only the numbers and booleans that differ between rows (text and markdown)')
    .option('--keep <regex>', 'only metric columns whose `file:key` matches')
    .option('--drop <regex>', 'leave out metric columns whose `file:key` matches');
  show.action(async (opts: ShowCliOptions) => {
    const { expShow, showRows } = await import('../../api/exp.js');
    const { experimentsTable, findMetricColumn, renderCsv } = await import('../../exp/table.js');
    const { renderMarkdown, renderText } = await import('../../report/render.js');
    const { root, file } = await findProject();
    const { all, allCommits, allBranches, rev: revs, num, sortBy, sortOrder, hideFailed, hideQueued } = opts;
    const report = await expShow(root, { all, allCommits, allBranches, revs, num, sortBy, sortOrder, hideFailed, hideQueued, file });
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const rows = showRows(report);
    const first = sortBy ? findMetricColumn(rows.filter((r) => r.state === 'baseline' || r.state === 'success'), sortBy) : undefined;
    const filters = { allColumns: opts.allColumns || opts.csv, keep: regexOption('--keep', opts.keep), drop: regexOption('--drop', opts.drop), first, precision: opts.precision };
    const table = experimentsTable(rows, { ...filters, plain: opts.csv });
    process.stdout.write(opts.csv ? renderCsv(table) : opts.md ? renderMarkdown(table) : renderText(table));
    if (opts.csv) return;
    for (const q of report.queued.filter((x) => x.error)) process.stdout.write(`\n${q.name} failed: ${q.error}\n`);
  });
}
