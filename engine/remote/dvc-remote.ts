// A DVC repository's own remote (`.dvc/config`), read as DVC 3 lays it out: objects at
// `files/md5/<first two hex>/<rest>`, a directory's `.dir` manifest (a JSON list of
// `{"md5", "relpath"}`) beside them. `fetch` copies what dvc.lock names into DVC's cache
// (`.dvc/cache/files/md5/…`), each object checked by its md5 before it enters (an altered object
// is refused and named); `pull` then puts missing workspace files in place from there. Used when
// the repository has a dvc.lock and no dvc-ts remote of its own.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { parseYamlTree, toPlain } from '../pipeline/yaml-tree.js';
import { isSameOrInside, toRepoPath } from '../util/paths.js';
import { readRemotesConfig } from './config.js';

export interface DvcRemote {
  name: string;
  /** Absolute folder of a local remote. */
  folder: string;
}

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
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new UserError(`DVC remote '${name}' (${url}): only folder remotes are read from .dvc/config; add it as a dvc-ts remote (\`dvc-ts remote add\`)`);
  }
  // DVC resolves a relative url against the folder of the config file that holds it.
  return { name, folder: isAbsolute(url) ? url : resolve(root, '.dvc', url) };
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

function objectPath(base: string, md5: string): string {
  return join(base, 'files', 'md5', md5.slice(0, 2), md5.slice(2));
}

/** One object into `.dvc/cache`, from the cache if already there, else from the remote, checked by its md5. */
async function fetchObject(root: string, remote: DvcRemote, md5: string, report: DvcPullReport): Promise<Buffer> {
  if (!/^[0-9a-f]{32}(\.dir)?$/.test(md5)) throw new UserError(`not an md5 object name: '${md5}'`);
  const cached = objectPath(join(root, '.dvc', 'cache'), md5);
  const have = await readFile(cached).catch(() => undefined);
  if (have && md5Of(have) === md5.replace(/\.dir$/, '')) return have;
  const source = objectPath(remote.folder, md5);
  const bytes = await readFile(source).catch(() => undefined);
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
  const tmp = `${target}.dvc-ts-tmp-${process.pid}`;
  await mkdir(dirname(target), { recursive: true });
  await copyFile(objectPath(join(root, '.dvc', 'cache'), md5), tmp);
  await rename(tmp, target);
  report.added.push(repoPath);
}

async function writeAtomically(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
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
  const report = await dvcPull(root, remote, { fetchOnly: options.fetchOnly });
  for (const path of report.added) process.stdout.write(`A       ${path}\n`);
  process.stdout.write(`${report.fetched} object${report.fetched === 1 ? '' : 's'} fetched from DVC remote '${remote.name}'\n`);
  for (const failure of report.failed) process.stderr.write(`error: ${failure}\n`);
  return report.failed.length > 0 ? 1 : 0;
}
