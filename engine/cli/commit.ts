import type { Command } from 'commander';
import { findProject } from '../repo/root.js';

export function registerCommit(program: Command): void {
  program
    .command('commit')
    .description('Commit the results of the last run to git: lock, params, metrics, uncached outs')
    .option('-m, --message <text>', 'the first line of the commit message')
    .option('-b, --branch <name>', 'commit on a new branch created at HEAD (the retrain → review flow)')
    .action(async (opts: { message?: string; branch?: string }) => {
      const { runCommit } = await import('../api/commit.js');
      const { root, file } = await findProject();
      const result = await runCommit(root, { ...opts, file });
      process.stdout.write(`[${result.branch} ${result.oid.slice(0, 7)}] ${result.message.split('\n')[0]}\n ${result.files.length} file(s): ${result.files.join(', ')}\n`);
    });
}
