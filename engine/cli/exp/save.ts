import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { collect } from './options.js';

/** `exp save`: the workspace as an experiment, without running anything. */
export function registerExpSave(exp: Command): void {
  exp
    .command('save')
    .description('Save the workspace as it is (params, lock, metrics, changed files) as an experiment of HEAD, without running anything')
    .option('-n, --name <name>', 'name of the experiment')
    .option('-m, --message <text>', "the experiment commit's message")
    .option('-I, --include-untracked <path>', 'also save this untracked file; repeatable', collect, [])
    .option('-f, --force', 'replace an experiment of that name')
    .action(async (opts: { name?: string; message?: string; includeUntracked: string[]; force?: boolean }) => {
      const { expSave } = await import('../../api/exp.js');
      const { root, file } = await findProject();
      const saved = await expSave(root, { name: opts.name, message: opts.message, include: opts.includeUntracked, force: opts.force, file });
      process.stdout.write(`Saved experiment ${saved.name} (${saved.commit.slice(0, 7)}).\n`);
    });
}
