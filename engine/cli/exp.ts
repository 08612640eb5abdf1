// `dvc-ts exp …`: one sub-command per file in engine/cli/exp/.
import type { Command } from 'commander';
import { registerExpApply } from './exp/apply.js';
import { registerExpBranch } from './exp/branch.js';
import { registerExpClean } from './exp/clean.js';
import { registerExpDiff } from './exp/diff.js';
import { registerExpList } from './exp/list.js';
import { registerExpPull } from './exp/pull.js';
import { registerExpPush } from './exp/push.js';
import { registerExpRemove } from './exp/remove.js';
import { registerExpRename } from './exp/rename.js';
import { registerExpRun } from './exp/run.js';
import { registerExpSave } from './exp/save.js';
import { registerExpShow } from './exp/show.js';

/** `dvc-ts exp …`: run, queue, compare, share, apply and keep experiments (saved as refs/exps/*). */
export function registerExp(program: Command): void {
  const exp = program.command('exp').description('Experiments: run the pipeline with params changed, without touching your params file or HEAD');
  for (const register of [registerExpRun, registerExpShow, registerExpDiff, registerExpApply, registerExpBranch, registerExpRemove, registerExpRename, registerExpSave, registerExpClean, registerExpPush, registerExpPull, registerExpList]) {
    register(exp);
  }
}
