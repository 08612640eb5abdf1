import { Option, type Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { collect, positiveInt } from './options.js';

interface RemoveCliOptions {
  allCommits?: boolean;
  all?: boolean;
  queue?: boolean;
  rev: string[];
  num?: number;
  gitRemote?: string;
}

/** `exp remove NAME… | -A | --rev REV | --queue [-g GIT_REMOTE]`. */
export function registerExpRemove(exp: Command): void {
  exp
    .command('remove')
    .alias('rm')
    .description('Remove experiments (their refs) or queued and failed experiments; with -g, from a git remote')
    .argument('[names...]', 'experiment names')
    .option('-A, --all-commits', 'every experiment (and every queued or failed one)')
    .addOption(new Option('--all', 'the same as -A').hideHelp())
    .option('--rev <commit>', 'the experiments of this baseline; repeatable', collect, [])
    .option('-n, --num <n>', 'with --rev: also of the N-1 commits before it', positiveInt)
    .option('-g, --git-remote <remote>', 'remove them from this git remote (name, path or file:// URL), not here')
    .option('--queue', 'every queued or failed experiment')
    .action(async (names: string[], opts: RemoveCliOptions) => {
      const { expRemove } = await import('../../api/exp.js');
      const { root } = await findProject();
      const removed = await expRemove(root, names, { all: opts.all || opts.allCommits, queue: opts.queue, revs: opts.rev, num: opts.num, gitRemote: opts.gitRemote });
      const where = opts.gitRemote === undefined ? '' : ` from ${opts.gitRemote}`;
      process.stdout.write(`Removed ${removed.length} experiment(s)${where}${removed.length ? `: ${removed.join(', ')}` : ''}.\n`);
    });
}
