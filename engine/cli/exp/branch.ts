import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';

/** `exp branch NAME BRANCH`. */
export function registerExpBranch(exp: Command): void {
  exp
    .command('branch')
    .description('Create a git branch at an experiment (HEAD and the workspace stay as they are)')
    .argument('<name>', 'experiment name')
    .argument('<branch>', 'new branch name')
    .action(async (name: string, branch: string) => {
      const { expBranch } = await import('../../api/exp.js');
      const { root } = await findProject();
      const commit = await expBranch(root, name, branch);
      process.stdout.write(`Branch '${branch}' created at ${commit.slice(0, 7)} (experiment ${name}).\n`);
    });
}
