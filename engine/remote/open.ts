import { UserError } from '../errors.js';
import { folderRemotePath, readRemotesConfig, type RemoteSettings } from './config.js';
import { FolderRemote } from './folder.js';
import type { Remote } from './types.js';

/** Parallel transfers to S3 by default: requests are latency-bound, not CPU-bound. */
export const DEFAULT_S3_JOBS = 32;

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
  if (settings.url.startsWith('s3://')) {
    // The AWS SDK is large: loaded only when an S3 remote is used.
    const { S3Remote } = await import('./s3.js');
    return withPackSize(new S3Remote(name, settings.url, settings, settings.jobs ?? DEFAULT_S3_JOBS), settings);
  }
  const remote = new FolderRemote(name, settings.url, folderRemotePath(root, settings.url));
  return withPackSize(settings.jobs ? Object.assign(remote, { defaultJobs: settings.jobs }) : remote, settings);
}

function withPackSize<R extends Remote>(remote: R, settings: RemoteSettings): R {
  if (settings.pack_size !== undefined) remote.packSize = settings.pack_size;
  return remote;
}
