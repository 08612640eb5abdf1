import type { Command } from 'commander';
import { findRepoRoot } from '../repo/root.js';

export function registerRemote(program: Command): void {
  const remote = program
    .command('remote')
    .description('Manage remotes (S3 buckets, folders) in .dvc-ts/config.yaml; credentials never go there');
  remote
    .command('add')
    .description('Add a remote: s3://bucket[/prefix] or a folder path')
    .argument('<name>')
    .argument('<url>')
    .option('-d, --default', 'make it the default remote')
    .option('-f, --force', 'replace a remote of the same name')
    .option('--local', 'write to the git-ignored .dvc-ts/config.local.yaml')
    .action(async (name: string, url: string, opts: { default?: boolean; force?: boolean; local?: boolean }) => {
      const { remoteAdd } = await import('../api/remote.js');
      await remoteAdd(await findRepoRoot(), name, url, opts);
      if (opts.default) process.stdout.write(`Remote '${name}' is the default.\n`);
    });
  remote
    .command('modify')
    .description('Set (or --unset) an option: url, endpointurl, region, profile, force_path_style, jobs, pack_size (bytes, 0: no packs); with --local also access_key_id, secret_access_key, session_token')
    .argument('<name>')
    .argument('<option>')
    .argument('[value]')
    .option('-u, --unset', 'remove the option')
    .option('--local', 'write to the git-ignored .dvc-ts/config.local.yaml')
    .action(async (name: string, option: string, value: string | undefined, opts: { unset?: boolean; local?: boolean }) => {
      const { remoteModify } = await import('../api/remote.js');
      await remoteModify(await findRepoRoot(), name, option, value, opts);
    });
  remote
    .command('list')
    .description('List the remotes (the default one marked)')
    .action(async () => {
      const { remoteList, formatRemoteList } = await import('../api/remote.js');
      process.stdout.write(formatRemoteList(await remoteList(await findRepoRoot())));
    });
  remote
    .command('remove')
    .description('Remove a remote from the configs')
    .argument('<name>')
    .action(async (name: string) => {
      const { remoteRemove } = await import('../api/remote.js');
      await remoteRemove(await findRepoRoot(), name);
    });
  remote
    .command('default')
    .description('Print the default remote, or set it')
    .argument('[name]')
    .option('-u, --unset', 'no default remote')
    .option('--local', 'write to the git-ignored .dvc-ts/config.local.yaml')
    .action(async (name: string | undefined, opts: { unset?: boolean; local?: boolean }) => {
      const { remoteDefault } = await import('../api/remote.js');
      const result = await remoteDefault(await findRepoRoot(), name, opts);
      if (name === undefined && !opts.unset) {
        if (result === undefined) {
          process.stderr.write('No default remote.\n');
          process.exitCode = 1;
        } else process.stdout.write(result + '\n');
      }
    });
}
