import type { Command } from 'commander';
import type { SyncReport } from '../remote/sync.js';
import { parseJobs } from './repro.js';

/** The options push, pull and fetch share. */
export interface SyncCliOptions {
  remote?: string;
  jobs?: number;
  runCache?: boolean;
  wait?: boolean;
}

export function syncOptions(command: Command): Command {
  return command
    .argument('[targets...]', 'stage names, tracked paths or .dvc files (default: everything the workspace records)')
    .option('-r, --remote <name>', 'remote to use (default: core.remote)')
    .option('-j, --jobs <n>', 'transfers at once (default: 32 for S3, 8 for a folder, or the remote\'s `jobs`)', parseJobs)
    .option('--run-cache', 'also transfer the run-cache, so stages run elsewhere are restored instead of rerun');
}

/** Failures printed one by one; past this many, the rest are counted. */
const MAX_FAILURE_LINES = 20;

/** Print failures (each naming its object) and set a failing exit code. */
export function reportFailures(lines: string[]): void {
  for (const l of lines.slice(0, MAX_FAILURE_LINES)) process.stderr.write(`error: ${l}\n`);
  if (lines.length > MAX_FAILURE_LINES) process.stderr.write(`error: … and ${lines.length - MAX_FAILURE_LINES} more objects failed the same way or otherwise\n`);
  if (lines.length) process.exitCode = 1;
}

/** What push, pull and fetch print about a transfer: warnings, failures, then the summary line. */
export async function printSyncReport(verb: 'pushed' | 'fetched', report: SyncReport): Promise<void> {
  const { formatSyncReport } = await import('../remote/sync.js');
  const { describeFailures } = await import('../remote/transfer.js');
  for (const n of report.notes) process.stderr.write(`warning: ${n}\n`);
  reportFailures(describeFailures(report.failures));
  process.stdout.write(formatSyncReport(verb, report) + '\n');
}
