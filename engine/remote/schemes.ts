// The kinds of remote, in one registry: how a URL of each is recognised and checked, which
// options it reads, and how it is opened. A new kind of remote is one entry here.
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { RemoteSettings } from './config.js';
import type { Remote } from './types.js';

/** How a value given for an option is parsed and checked. */
export type OptionKind = 'string' | 'boolean' | 'jobs' | 'bytes';

export interface RemoteScheme {
  /** What the "supported:" hint says of it. */
  form: string;
  /** Whether `url` is meant for this kind of remote (its form may still be wrong). */
  claims(url: string): boolean;
  /** A UserError's message when the URL's form is wrong; undefined when it is right (pure). */
  problem(url: string): string | undefined;
  /** Options this kind reads, beyond those every remote has. */
  options: Readonly<Record<string, OptionKind>>;
  open(root: string, name: string, settings: RemoteSettings): Promise<Remote>;
}

/** Parallel transfers to S3 by default: requests are latency-bound, not CPU-bound. */
export const DEFAULT_S3_JOBS = 32;

const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Options of every remote. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionKind>> = { url: 'string', jobs: 'jobs', pack_size: 'bytes' };

export const REMOTE_SCHEMES: readonly RemoteScheme[] = [
  {
    form: 's3://bucket[/prefix] (AWS or an S3-compatible store with `endpointurl`)',
    claims: (url) => url.startsWith('s3://'),
    problem: (url) => (/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(url) ? undefined : `unsupported remote URL ${JSON.stringify(url)}`),
    options: {
      endpointurl: 'string',
      region: 'string',
      profile: 'string',
      force_path_style: 'boolean',
      access_key_id: 'string',
      secret_access_key: 'string',
      session_token: 'string',
    },
    async open(_root, name, settings) {
      // The AWS SDK is large: loaded only when an S3 remote is used.
      const { S3Remote } = await import('./s3.js');
      return new S3Remote(name, settings.url, settings, settings.jobs ?? DEFAULT_S3_JOBS);
    },
  },
  {
    form: 'folder paths',
    claims: (url) => !URL_WITH_SCHEME.test(url) || url.startsWith('file://'),
    problem: (url) => (url === '' ? 'empty remote URL' : undefined),
    options: {},
    async open(root, name, settings) {
      const { FolderRemote } = await import('./folder.js');
      const remote = new FolderRemote(name, settings.url, folderRemotePath(root, settings.url));
      return settings.jobs ? Object.assign(remote, { defaultJobs: settings.jobs }) : remote;
    },
  },
];

/** The kind of remote a URL is for; a UserError when none is, or its form is wrong. */
export function schemeOf(url: string): RemoteScheme {
  const scheme = REMOTE_SCHEMES.find((s) => s.claims(url));
  const problem = scheme ? scheme.problem(url) : `unsupported remote URL ${JSON.stringify(url)}`;
  if (problem !== undefined) {
    throw new UserError(problem, { details: url === '' ? [] : [`supported: ${REMOTE_SCHEMES.map((s) => s.form).join(' and ')}`] });
  }
  return scheme!;
}

/** Every option a remote's entry may hold, with its kind. */
export const REMOTE_OPTIONS: Readonly<Record<string, OptionKind>> = Object.assign({}, COMMON_OPTIONS, ...REMOTE_SCHEMES.map((s) => s.options));

/** Absolute folder of a folder remote: relative URLs are relative to the repository root. */
export function folderRemotePath(root: string, url: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return isAbsolute(path) ? path : resolve(root, path);
}
