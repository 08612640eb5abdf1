import type { Command } from 'commander';
import { findProject } from '../../repo/root.js';
import { addShareOptions, describeShare, shareOptions, type ShareCliOptions } from './share-options.js';

/** `exp pull GIT_REMOTE [NAME…]`. */
export function registerExpPull(exp: Command): void {
  addShareOptions(
    exp
      .command('pull')
      .description("Fetch shared experiments: their refs from a git remote, their cached outs from the data remote into the cache (default: HEAD's experiments)")
      .argument('<git_remote>', 'git remote name, path or file:// URL')
      .argument('[experiments...]', 'experiment names'),
  ).action(async (gitRemote: string, names: string[], opts: ShareCliOptions) => {
    const { expPull } = await import('../../api/exp.js');
    const { root, file } = await findProject();
    const result = await expPull(root, gitRemote, names, shareOptions(opts, file));
    process.stdout.write(describeShare('Pulled', `from ${gitRemote}`, result));
  });
}
