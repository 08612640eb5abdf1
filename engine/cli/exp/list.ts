import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { addRevisionOptions, type RevisionCliOptions } from './options.js';

/** `exp list [GIT_REMOTE]`. */
export function registerExpList(exp: Command): void {
  addRevisionOptions(
    exp
      .command('list')
      .alias('ls')
      .description("Experiments here, or on a git remote, by baseline commit (default: HEAD's)")
      .argument('[git_remote]', 'git remote name, path or file:// URL'),
  )
    .option('--name-only', 'only the names, one a line')
    .action(async (gitRemote: string | undefined, opts: RevisionCliOptions & { nameOnly?: boolean }) => {
      const { expList } = await import('../../api/exp.js');
      const { root } = await findProject();
      const groups = await expList(root, gitRemote, { allCommits: opts.allCommits, revs: opts.rev, num: opts.num });
      const lines = opts.nameOnly ? groups.flatMap((g) => g.experiments) : groups.flatMap((g) => [`${g.baseline.slice(0, 7)}:`, ...g.experiments.map((e) => `\t${e}`)]);
      process.stdout.write(lines.length ? lines.join('\n') + '\n' : '');
    });
}
