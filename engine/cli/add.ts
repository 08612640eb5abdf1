import type { Command } from 'commander';
import { findProject } from '../repo/root.js';

export function registerAdd(program: Command): void {
  program
    .command('add')
    .description('Track data no stage produces: cache it, write PATH.dvc (DVC format), git-ignore PATH')
    .argument('<paths...>', 'files or directories')
    .option('--wait', 'wait for another dvc-ts running in this repository instead of failing')
    .action(async (paths: string[], opts: { wait?: boolean }) => {
      const { runAdd } = await import('../api/add.js');
      const { root, file } = await findProject();
      const added = await runAdd(root, paths, { file, wait: opts.wait });
      for (const a of added) {
        const what = a.info.nfiles !== undefined ? `${a.info.nfiles} files` : `${a.info.size} bytes`;
        process.stdout.write(`${a.changed ? 'Added' : 'Unchanged'} ${a.path} (${what}) -> ${a.dvcFile}\n`);
      }
      const files = new Set(added.flatMap((a) => [a.dvcFile, a.gitignore]));
      process.stdout.write(`To track the changes with git: git add ${[...files].join(' ')}\n`);
    });
}
