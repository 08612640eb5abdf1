import { Option, type Command } from 'commander';
import { findProject } from '../repo/root.js';
import { UserError } from '../errors.js';
import { addFormatOptions, formatOf } from './metrics.js';
import { parseJobs } from './repro.js';

function regexOption(name: string, value: string | undefined): RegExp | undefined {
  if (value === undefined) return undefined;
  try {
    return new RegExp(value);
  } catch (e) {
    throw new UserError(`${name} ${JSON.stringify(value)} is not a regular expression: ${(e as Error).message}`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface RunCliOptions {
  setParam: string[];
  name?: string;
  queue?: boolean;
  runAll?: boolean;
  jobs?: number;
}

interface ShowCliOptions {
  allColumns?: boolean;
  keep?: string;
  drop?: string;
  json?: boolean;
  md?: boolean;
  all?: boolean;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
}

/** `dvc-ts exp …`: run, queue, compare, apply and keep experiments (saved as refs/exps/*). */
export function registerExp(program: Command): void {
  const exp = program.command('exp').description('Experiments: run the pipeline with params changed, without touching your params file or HEAD');

  exp
    .command('run')
    .description('Run an experiment (or a grid of them); each is saved as refs/exps/<name> with its lock, params and metrics')
    .option('-S, --set-param <[file:]key=value>', 'set a param for the experiment; key=a,b,c makes a grid (several keys: every combination); repeatable', collect, [])
    .option('-n, --name <name>', 'name of the experiment (a grid: NAME-1, NAME-2, …)')
    .option('--queue', 'only add to the queue; run later with `exp run --run-all`')
    .option('--run-all', 'run every queued experiment, each in its own temporary workspace')
    .option('-j, --jobs <n>', 'experiments run at once (they share one cache); "auto" = number of cores', parseJobs)
    .action(async (opts: RunCliOptions) => {
      const { expRun } = await import('../api/exp.js');
      const { root, file } = await findProject();
      const result = await expRun(root, { set: opts.setParam, name: opts.name, queue: opts.queue, runAll: opts.runAll, jobs: opts.jobs, file, log: (line) => process.stdout.write(line + '\n') });
      if (opts.queue) {
        process.stdout.write(`${result.queued.length} experiment(s) queued; run them with 'dvc-ts exp run --run-all -j N'\n`);
        return;
      }
      const failed = result.outcomes.filter((o) => o.error);
      const done = result.outcomes.filter((o) => o.commit).length;
      process.stdout.write(`${done} experiment(s) done, ${failed.length} failed${result.interrupted ? ' (interrupted: the rest stay queued)' : ''}. See them with 'dvc-ts exp show'.\n`);
      process.exitCode = result.interrupted ? 130 : failed.length > 0 ? 1 : 0;
    });

  addFormatOptions(
    exp
      .command('show')
      .description('The experiments of HEAD: metrics (with the change against HEAD) and the params they changed')
      .option('-A, --all', 'experiments of every baseline commit, not only of HEAD')
      .option('--sort-by <metric>', 'sort by a metric (`key`, or `file:key` when several files have it)')
      .addOption(new Option('--sort-order <order>', 'with --sort-by').choices(['asc', 'desc']).default('asc'))
      .option('--all-columns', 'every metric, not only the numbers and booleans that differ between rows (text and markdown)')
      .option('--keep <regex>', 'only metric columns whose `file:key` matches (text and markdown)')
      .option('--drop <regex>', 'leave out metric columns whose `file:key` matches (text and markdown)'),
  ).action(async (opts: ShowCliOptions) => {
    const { expShow } = await import('../api/exp.js');
    const { experimentsTable, findMetricColumn } = await import('../exp/table.js');
    const { renderMarkdown, renderText } = await import('../report/render.js');
    const { root, file } = await findProject();
    const report = await expShow(root, { all: opts.all, sortBy: opts.sortBy, sortOrder: opts.sortOrder, file });
    const format = formatOf(opts);
    if (format === 'json') {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const all = report.baseline ? [report.baseline, ...report.experiments] : report.experiments;
    const first = opts.sortBy ? findMetricColumn(all, opts.sortBy) : undefined;
    const table = experimentsTable(report.baseline, report.experiments, { allColumns: opts.allColumns, keep: regexOption('--keep', opts.keep), drop: regexOption('--drop', opts.drop), first });
    process.stdout.write(format === 'md' ? renderMarkdown(table) : renderText(table));
    const line = (q: (typeof report.queued)[number]) => `${q.name} [${q.overrides.join(' ')}]`;
    const running = report.queued.filter((q) => q.running);
    const waiting = report.queued.filter((q) => !q.running);
    if (running.length) process.stdout.write(`\nRunning now: ${running.map(line).join(', ')}\n`);
    if (waiting.length) process.stdout.write(`\nQueued (not run yet): ${waiting.map(line).join(', ')}\n`);
  });

  addFormatOptions(
    exp
      .command('diff')
      .description('Params and metrics that differ between two experiments (or revisions); one name: against its baseline')
      .argument('<a>', 'experiment name or revision')
      .argument('[b]', 'experiment name or revision')
      .option('--all', 'unchanged values too'),
  ).action(async (a: string, b: string | undefined, opts: { all?: boolean; json?: boolean; md?: boolean }) => {
    const { expDiff } = await import('../api/exp.js');
    const { formatDiff } = await import('../api/metrics.js');
    const { diffToJson } = await import('../report/compare.js');
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

  exp
    .command('apply')
    .description("Put an experiment's params, lock, metrics and outputs into the workspace (refuses to overwrite unsaved changes)")
    .argument('<name>', 'experiment name')
    .option('-f, --force', 'overwrite changes that are neither committed nor in the cache')
    .action(async (name: string, opts: { force?: boolean }) => {
      const { expApply } = await import('../api/exp.js');
      const { root, file } = await findProject();
      const result = await expApply(root, name, { force: opts.force, file });
      const wrote = result.written.length ? `wrote ${result.written.join(', ')}` : 'no file differed';
      process.stdout.write(`Applied ${name}: ${wrote}; restored ${result.restored.length} out(s) from the cache.\n`);
    });

  exp
    .command('branch')
    .description('Create a git branch at an experiment (HEAD and the workspace stay as they are)')
    .argument('<name>', 'experiment name')
    .argument('<branch>', 'new branch name')
    .action(async (name: string, branch: string) => {
      const { expBranch } = await import('../api/exp.js');
      const { root } = await findProject();
      const commit = await expBranch(root, name, branch);
      process.stdout.write(`Branch '${branch}' created at ${commit.slice(0, 7)} (experiment ${name}).\n`);
    });

  exp
    .command('remove')
    .alias('rm')
    .description('Remove experiments (their refs) or queued experiments')
    .argument('[names...]', 'experiment names')
    .option('--all', 'every experiment and every queued one')
    .option('--queue', 'every queued experiment')
    .action(async (names: string[], opts: { all?: boolean; queue?: boolean }) => {
      const { expRemove } = await import('../api/exp.js');
      const { root } = await findProject();
      const removed = await expRemove(root, names, opts);
      process.stdout.write(`Removed ${removed.length} experiment(s)${removed.length ? `: ${removed.join(', ')}` : ''}.\n`);
    });
}
