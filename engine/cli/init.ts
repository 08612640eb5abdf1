import type { Command } from 'commander';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Make this directory a dvc-ts repository (.dvc-ts/ with its config)')
    .action(async () => {
      const { initRepo } = await import('../api/init.js');
      const made = await initRepo(process.cwd());
      process.stdout.write(made.length ? `Initialized dvc-ts in ${process.cwd()}\n  ${made.join('\n  ')}\n` : 'Already initialized.\n');
    });
}
