import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { addShareOptions, describeShare, shareOptions, type ShareCliOptions } from './share-options.js';

/** `exp push GIT_REMOTE [NAME…]`. */
export function registerExpPush(exp: Command): void {
  addShareOptions(
    exp
      .command('push')
      .description("Share experiments: their refs to a git remote, their cached outs to the data remote (default: HEAD's experiments)")
      .argument('<git_remote>', 'git remote name, path or file:// URL')
      .argument('[experiments...]', 'experiment names'),
  ).action(async (gitRemote: string, names: string[], opts: ShareCliOptions) => {
    const { expPush } = await import('../../api/exp.js');
    const { root, file } = await findProject();
    const result = await expPush(root, gitRemote, names, shareOptions(opts, file));
    process.stdout.write(describeShare('Pushed', `to ${gitRemote}`, result));
  });
}
