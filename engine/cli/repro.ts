import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { findProject } from '../repo/root.js';
import { UserError } from '../errors.js';
import type { RunReproOptions } from '../api/repro.js';

/** What commander parses for `repro`: the API's options plus the CLI-only ones. */
interface ReproCliOptions extends RunReproOptions {
  commit?: boolean;
  message?: string;
  branch?: string;
  check?: boolean;
  watch?: boolean;
  schedule?: string;
  singleItem?: boolean;
  pull?: boolean;
}

export function parseJobs(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1 or "auto"');
  return n;
}

export function registerRepro(program: Command): void {
  program
    .command('repro')
    .description('Run the stale stages of the pipeline (or of TARGETs and what they depend on)')
    .argument('[targets...]', 'stage names; `name` also selects every `name@key`')
    .option('-f, --force', 'run the selected stages even if they are up to date')
    .option('--dry', 'print what would run and why; run nothing')
    .option('--downstream', 'the targets and every stage that depends on them')
    .option('-s, --single-item', 'only the targets, not their upstream')
    .option('-k, --keep-going', 'after a failure, still run the stages that do not depend on it')
    .option('-j, --jobs <n>', 'stages run at once; "auto" = number of cores (default: 1, or config `jobs`)', parseJobs)
    .option('--executor <name>', 'what runs the stages: local (child processes) or slurm (one batch job per stage); default: `executor:` of .dvc-ts/config.yaml, else local')
    .option('--ignore-gates', 'run gated stages as if every gate were open')
    .option('--no-run-cache', 'always run stale stages instead of restoring earlier identical runs')
    .option('--wait', 'wait for another dvc-ts running in this repository instead of failing')
    .option('-q, --quiet', "don't print stage output, only stage results")
    .option('--commit', 'after a successful run, commit the results to git (see `dvc-ts commit`)')
    .option('-m, --message <text>', 'with --commit: the first line of the commit message')
    .option('-b, --branch <name>', 'with --commit: commit on a new branch created at HEAD')
    .option('-w, --watch', 'stay running: reproduce again whenever an input (dep, param, pipeline) changes')
    .option('--schedule <cron>', 'stay running: reproduce at each tick of a cron pattern (e.g. "0 6 * * 1"; 6 fields = seconds first), one run at a time')
    .option('--check', 'run nothing: exit 1, saying why, when any stage is stale or the workspace disagrees with the lock (for CI)')
    .option('--pull', 'first fetch from the default remote what the stages need (outs, tracked data, run-cache), so what was run elsewhere is restored, not rerun')
    .action(async (targets: string[], opts: ReproCliOptions) => {
      const { root, file } = await findProject();
      if (opts.pull && !opts.dry) {
        // Remotes (issue 11): engine/api/pull.ts.
        const { pullForRepro } = await import('../api/pull.js');
        const scope = { targets, downstream: opts.downstream, single: opts.singleItem };
        for (const line of await pullForRepro(root, { file, wait: opts.wait, ...scope })) process.stdout.write(line + '\n');
      }
      if (opts.check) {
        const { runStatus, formatStatus } = await import('../api/status.js');
        const report = await runStatus(root, { targets, file });
        process.stdout.write(report.upToDate ? 'Check passed: every stage is up to date with pipeline.lock.\n' : `Check failed:\n${formatStatus(report)}`);
        process.exitCode = report.upToDate ? 0 : 1;
        return;
      }
      if (opts.schedule !== undefined) {
        if (opts.watch || opts.check || opts.dry || opts.commit) throw new UserError('--schedule does not go with --watch, --check, --dry or --commit');
        await reproOnSchedule(root, file, targets, opts);
        return;
      }
      if (opts.watch) {
        const { watchRepro } = await import('../api/watch.js');
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        await watchRepro(root, { ...opts, file, single: opts.singleItem, targets }, stop.signal, (line) => process.stdout.write(line + '\n'));
        return;
      }
      const { runRepro } = await import('../api/repro.js');
      if ((opts.message || opts.branch) && !opts.commit) throw new UserError('--message and --branch go with --commit');
      // "in N ms" covers the whole command: performance.now() counts from the process's start.
      const summary = await runRepro(root, { ...opts, file, single: opts.singleItem, targets, startedAt: 0 });
      process.exitCode = summary.interrupted ? 130 : summary.failed ? 1 : 0;
      if (opts.commit && !opts.dry && process.exitCode === 0) {
        const { runCommit } = await import('../api/commit.js');
        const result = await runCommit(root, { message: opts.message, branch: opts.branch, file });
        process.stdout.write(`Committed [${result.branch} ${result.oid.slice(0, 7)}] ${result.message.split('\n')[0]}\n`);
      }
    });
}

/** `repro --schedule`: each tick runs `runRepro` (waiting for another dvc-ts rather than failing);
 *  Ctrl-C stops the schedule after the run in progress, which stops its own stages. */
async function reproOnSchedule(root: string, file: string | undefined, targets: string[], opts: ReproCliOptions): Promise<void> {
  const [{ runOnSchedule }, { runRepro }, { summarize }, { isUserError }] = await Promise.all([
    import('../run/cron.js'), import('../api/repro.js'), import('../run/repro.js'), import('../errors.js'),
  ]);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const log = (line: string) => process.stdout.write(`[schedule] ${line}\n`);
  const run = async () => {
    try {
      const summary = await runRepro(root, { ...opts, file, single: opts.singleItem, targets, wait: true });
      return { summary: summarize(summary), interrupted: summary.interrupted };
    } catch (e) {
      if (!isUserError(e)) throw e;
      return { summary: `error: ${e.format()}`, interrupted: false };
    }
  };
  const report = await runOnSchedule(opts.schedule!, run, stop.signal, log);
  process.exitCode = report.interrupted ? 130 : 0;
}
