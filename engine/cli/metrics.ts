import { Option, type Command } from 'commander';
import type { DiffOptions, DiffReport } from '../api/metrics.js';
import { findProject } from '../repo/root.js';

/** `--json` / `--md`, shared by the report commands (metrics, params). */
export function addFormatOptions(command: Command): Command {
  return command
    .addOption(new Option('--json', 'machine-readable JSON (exact numbers)').conflicts('md'))
    .addOption(new Option('--md', 'a GitHub-markdown table, for a review comment or $GITHUB_STEP_SUMMARY'));
}

export function formatOf(opts: { json?: boolean; md?: boolean }): 'json' | 'md' | 'text' {
  return opts.json ? 'json' : opts.md ? 'md' : 'text';
}

/** `metrics diff` and `params diff`: two revisions (default HEAD and the workspace), a table of what differs. */
export function addDiffCommand(
  parent: Command,
  spec: { description: string; all: string; keyHeader: string; diff: (root: string, options: DiffOptions) => Promise<DiffReport> },
): void {
  addFormatOptions(
    parent
      .command('diff')
      .description(spec.description)
      .argument('[a]', 'old revision', 'HEAD')
      .argument('[b]', 'new revision (default: the workspace)')
      .option('--all', spec.all),
  ).action(async (a: string, b: string | undefined, opts: { all?: boolean; json?: boolean; md?: boolean }) => {
    const { formatDiff } = await import('../api/metrics.js');
    const { root, file } = await findProject();
    const report = await spec.diff(root, { a, b, all: opts.all, file });
    process.stdout.write(formatDiff(report, formatOf(opts), spec.keyHeader));
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface ShowOptions {
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  rev: string[];
  json?: boolean;
  md?: boolean;
}

export function registerMetrics(program: Command): void {
  const metrics = program.command('metrics').description('Show and compare metrics across git revisions (read-only)');
  addFormatOptions(
    metrics
      .command('show')
      .description('Metrics of the workspace, or of revisions from git history')
      .option('-a, --all-branches', 'every branch tip (and the workspace)')
      .option('-T, --all-tags', 'every tag (and the workspace)')
      .option('-A, --all-commits', 'every commit of every branch (and the workspace)')
      .option('-r, --rev <revision>', 'a revision (branch, tag, sha, HEAD~1, …); repeatable', collect, []),
  ).action(async (opts: ShowOptions) => {
    const { metricsShow, formatMetricsShow } = await import('../api/metrics.js');
    const { root, file } = await findProject();
    const report = await metricsShow(root, { allBranches: opts.allBranches, allTags: opts.allTags, allCommits: opts.allCommits, revs: opts.rev, file });
    process.stdout.write(formatMetricsShow(report, formatOf(opts)));
    const errors = report.revisions.flatMap((r) => r.errors);
    for (const e of errors) process.stderr.write(`error: ${e.message}\n`);
    if (errors.length > 0) process.exitCode = 1;
  });
  addDiffCommand(metrics, {
    description: 'Compare metrics between two revisions (default: HEAD and the workspace)',
    all: 'unchanged metrics too',
    keyHeader: 'Metric',
    diff: async (root, options) => (await import('../api/metrics.js')).metricsDiff(root, options),
  });
}
