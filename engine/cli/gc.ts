import type { Command } from 'commander';
import { findRepoRoot } from '../repo/root.js';

interface GcCliOptions {
  workspace?: boolean;
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  dry?: boolean;
  json?: boolean;
}

export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('Remove cache objects that no kept revision uses (a scope is required)')
    .option('-w, --workspace', 'keep what the workspace lock uses (always kept)')
    .option('-a, --all-branches', "also keep what every branch tip's lock uses")
    .option('-T, --all-tags', "also keep what every tag's lock uses")
    .option('-A, --all-commits', "also keep what every commit's lock uses")
    .option('--dry', 'list what would be removed; remove nothing')
    .option('--json', 'machine-readable summary')
    .action(async (opts: GcCliOptions) => {
      const { runGc, formatGc } = await import('../api/gc.js');
      const root = await findRepoRoot();
      const report = await runGc(root, opts);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatGc(report, root));
    });
}
