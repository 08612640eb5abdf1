import { UserError } from '../errors.js';
import { readRemotesConfig, type RemoteSettings } from './config.js';
import { schemeOf } from './schemes.js';
import type { Remote } from './types.js';

export { DEFAULT_S3_JOBS } from './schemes.js';

/** The remote named `name`, else the default one (`core.remote`), ready to use. */
export async function openRemote(root: string, name?: string): Promise<Remote> {
  const config = await readRemotesConfig(root);
  const chosen = name ?? config.default;
  if (chosen === undefined) {
    const names = Object.keys(config.remotes);
    throw new UserError(names.length ? `no default remote: name one with -r (${names.join(', ')}) or set one with \`dvc-ts remote default NAME\`` : 'no remote configured', {
      details: names.length ? [] : ['add one: dvc-ts remote add -d NAME s3://bucket/prefix   (or a folder path)'],
    });
  }
  const settings = config.remotes[chosen];
  if (!settings) throw new UserError(`no remote named '${chosen}'`, { details: [`configured: ${Object.keys(config.remotes).join(', ') || 'none'}`] });
  return remoteFor(root, chosen, settings);
}

export async function remoteFor(root: string, name: string, settings: RemoteSettings): Promise<Remote> {
  return withPackSize(await schemeOf(settings.url).open(root, name, settings), settings);
}

function withPackSize<R extends Remote>(remote: R, settings: RemoteSettings): R {
  if (settings.pack_size !== undefined) remote.packSize = settings.pack_size;
  return remote;
}
