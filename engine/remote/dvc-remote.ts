// A DVC repository's own remote (`.dvc/config`), read as DVC 3 lays it out: objects at
// `files/md5/<first two hex>/<rest>`, a directory's `.dir` manifest (a JSON list of
// `{"md5", "relpath"}`) beside them. `fetch` copies what dvc.lock names into DVC's cache
// (`.dvc/cache/files/md5/…`), each object checked by its md5 before it enters (an altered object
// is refused and named); `pull` then puts missing workspace files in place from there. Used when
// the repository has a dvc.lock and no dvc-ts remote of its own.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, lstat, readFile, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { ensureDir, tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { parseYamlTree, toPlain } from '../pipeline/yaml-tree.js';
import { isSameOrInside, toRepoPath } from '../util/paths.js';
import { readRemotesConfig, type RemoteSettings } from './config.js';
import { RemoteObjectMissing } from './types.js';

export interface DvcRemote {
  name: string;
  /** Where an object is read from, to name it in errors (a path, or an s3:// URL). */
  where(key: string): string;
  /** The object's bytes; undefined when the remote has none. */
  read(key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** DVC's S3 remote options, as `.dvc/config` (and `config.local`) name them, mapped to ours. */
const S3_OPTIONS: Readonly<Record<string, keyof RemoteSettings>> = {
  endpointurl: 'endpointurl',
  region: 'region',
  profile: 'profile',
  access_key_id: 'access_key_id',
  secret_access_key: 'secret_access_key',
  session_token: 'session_token',
};

export interface DvcPullReport {
  fetched: number;
  /** Workspace paths written. */
  added: string[];
  /** Objects refused (altered or missing), with why. */
  failed: string[];
}

/**
 * The DVC remote `pull`/`fetch` use: `.dvc/config`'s default, when the repository has a dvc.lock
 * and no dvc-ts remote. Undefined otherwise.
 */
export async function dvcRemoteFor(root: string): Promise<DvcRemote | undefined> {
  if (!existsSync(join(root, 'dvc.lock'))) return undefined;
  const own = await readRemotesConfig(root);
  if (own.default !== undefined || Object.keys(own.remotes).length > 0) return undefined;
  const sections = new Map<string, Map<string, string>>();
  for (const file of ['config', 'config.local']) {
    const text = await readFile(join(root, '.dvc', file), 'utf8').catch(() => '');
    parseIni(text, sections);
  }
  const name = sections.get('core')?.get('remote');
  if (name === undefined) return undefined;
  const url = sections.get(`remote "${name}"`)?.get('url');
  if (url === undefined) throw new UserError(`.dvc/config names the remote '${name}' but gives it no url`);
  const options = sections.get(`remote "${name}"`)!;
  if (/^s3:\/\//i.test(url)) return s3DvcRemote(root, name, url, options);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new UserError(`DVC remote '${name}' (${url}): folder and s3:// remotes are read from .dvc/config; add this one as a dvc-ts remote (\`dvc-ts remote add\`)`);
  }
  // DVC resolves a relative url against the folder of the config file that holds it.
  const folder = isAbsolute(url) ? url : resolve(root, '.dvc', url);
  return {
    name,
    where: (key) => join(folder, key),
    read: (key) => readFile(join(folder, key)).catch(() => undefined),
    close: async () => undefined,
  };
}

/** An s3:// DVC remote, read through dvc-ts's own S3 client (keys below the URL's prefix). */
async function s3DvcRemote(root: string, name: string, url: string, options: ReadonlyMap<string, string>): Promise<DvcRemote> {
  const settings: RemoteSettings = { url };
  for (const [dvcKey, ours] of Object.entries(S3_OPTIONS)) {
    const value = options.get(dvcKey);
    if (value !== undefined) (settings as unknown as Record<string, string>)[ours] = value;
  }
  const { remoteFor } = await import('./open.js');
  const remote = await remoteFor(root, name, settings);
  return {
    name,
    where: (key) => `${url.replace(/\/+$/, '')}/${key}`,
    read: async (key) => {
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of await remote.read(key)) chunks.push(Buffer.from(chunk as Uint8Array));
        return Buffer.concat(chunks);
      } catch (e) {
        if (e instanceof RemoteObjectMissing) return undefined;
        throw e;
      }
    },
    close: () => remote.close(),
  };
}

/** DVC's config is INI: `[core]`, `['remote "name"']`, `key = value`. */
function parseIni(text: string, into: Map<string, Map<string, string>>): void {
  let section: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*'?(.*?)'?\s*\]$/.exec(line);
    if (header) {
      const name = header[1]!;
      if (!into.has(name)) into.set(name, new Map());
      section = into.get(name);
      continue;
    }
    const eq = line.indexOf('=');
    if (section && eq > 0) section.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
}

/** Fetch what dvc.lock's outs need into DVC's cache, then (unless fetchOnly) fill the workspace. */
export async function dvcPull(root: string, remote: DvcRemote, options: { fetchOnly?: boolean } = {}): Promise<DvcPullReport> {
  const report: DvcPullReport = { fetched: 0, added: [], failed: [] };
  for (const out of await lockedOuts(root)) {
    try {
      if (out.md5.endsWith('.dir')) {
        const manifest = await fetchObject(root, remote, out.md5, report);
        const entries = JSON.parse(manifest.toString('utf8')) as Array<{ md5: string; relpath: string }>;
        for (const e of entries) await fetchObject(root, remote, e.md5, report);
        if (!options.fetchOnly) for (const e of entries) await place(root, e.md5, inside(out.path, e.relpath), report);
      } else {
        await fetchObject(root, remote, out.md5, report);
        if (!options.fetchOnly) await place(root, out.md5, out.path, report);
      }
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      report.failed.push(e.message);
    }
  }
  return report;
}

/** The outs dvc.lock records (paths relative to the repository), with their md5. */
async function lockedOuts(root: string): Promise<Array<{ path: string; md5: string }>> {
  const text = await readFile(join(root, 'dvc.lock'), 'utf8');
  const data = toPlain(parseYamlTree(text, { file: 'dvc.lock' })) as { stages?: Record<string, { outs?: Array<Record<string, unknown>> }> } | null;
  const outs: Array<{ path: string; md5: string }> = [];
  for (const stage of Object.values(data?.stages ?? {})) {
    for (const o of stage.outs ?? []) {
      const path = toRepoPath('.', String(o['path']));
      const md5 = String(o['md5'] ?? '');
      if (path === undefined) throw new UserError(`dvc.lock: out '${String(o['path'])}' is outside the repository`);
      if (/^[0-9a-f]{32}(\.dir)?$/.test(md5)) outs.push({ path, md5 });
    }
  }
  return outs;
}

/** DVC 3's key of an object below a remote's root (and below `.dvc/cache`). */
function objectKey(md5: string): string {
  return `files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`;
}

function objectPath(base: string, md5: string): string {
  return join(base, ...objectKey(md5).split('/'));
}

/** One object into `.dvc/cache`, from the cache if already there, else from the remote, checked by its md5. */
async function fetchObject(root: string, remote: DvcRemote, md5: string, report: DvcPullReport): Promise<Buffer> {
  if (!/^[0-9a-f]{32}(\.dir)?$/.test(md5)) throw new UserError(`not an md5 object name: '${md5}'`);
  const cached = objectPath(join(root, '.dvc', 'cache'), md5);
  const have = await readFile(cached).catch(() => undefined);
  if (have && md5Of(have) === md5.replace(/\.dir$/, '')) return have;
  const key = objectKey(md5);
  const source = remote.where(key);
  const bytes = await remote.read(key);
  if (!bytes) throw new UserError(`object ${md5} is missing from DVC remote '${remote.name}' (${source})`);
  if (md5Of(bytes) !== md5.replace(/\.dir$/, '')) {
    throw new UserError(`object ${source} of DVC remote '${remote.name}' does not match its md5 ${md5}: refused`);
  }
  await writeAtomically(cached, bytes);
  report.fetched++;
  return bytes;
}

/** A manifest's relpath below its directory; one that leaves it is refused. */
function inside(dir: string, relpath: string): string {
  const path = toRepoPath(dir, relpath);
  if (path === undefined || !isSameOrInside(path, dir) || path === dir) throw new UserError(`.dir manifest of '${dir}' names '${relpath}', outside it: refused`);
  return path;
}

/** Put a cached object at a workspace path that is missing; never over a user's file, never through a symlink. */
async function place(root: string, md5: string, repoPath: string, report: DvcPullReport): Promise<void> {
  const target = join(root, repoPath);
  if (existsSync(target)) return;
  const parts = repoPath.split('/');
  for (let i = 1; i < parts.length; i++) {
    const st = await lstat(join(root, ...parts.slice(0, i))).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new UserError(`'${repoPath}' goes through symlink '${parts.slice(0, i).join('/')}': refused`);
  }
  // A temp name the sweeps know: a killed pull leaves nothing the next command keeps.
  const tmp = tempPathFor(target);
  await ensureDir(dirname(target));
  try {
    await copyFile(objectPath(join(root, '.dvc', 'cache'), md5), tmp);
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
  report.added.push(repoPath);
}

async function writeAtomically(path: string, bytes: Buffer): Promise<void> {
  await ensureDir(dirname(path));
  await writeFileAtomic(path, bytes);
}

function md5Of(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * `pull`/`fetch` through the DVC remote when that is the one to use (dvcRemoteFor): prints what
 * happened and returns the exit code; undefined when the command should use dvc-ts remotes.
 */
export async function syncFromDvcRemote(root: string, options: { fetchOnly: boolean; remote?: string }): Promise<number | undefined> {
  if (options.remote !== undefined) return undefined;
  const remote = await dvcRemoteFor(root);
  if (!remote) return undefined;
  const report = await dvcPull(root, remote, { fetchOnly: options.fetchOnly }).finally(() => remote.close());
  for (const path of report.added) process.stdout.write(`A       ${path}\n`);
  process.stdout.write(`${report.fetched} object${report.fetched === 1 ? '' : 's'} fetched from DVC remote '${remote.name}'\n`);
  for (const failure of report.failed) process.stderr.write(`error: ${failure}\n`);
  return report.failed.length > 0 ? 1 : 0;
}
