import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUserError } from '../errors.js';
import type { ObjectStore } from '../cache/store.js';
import { checkoutOut, unsavedCount, unsavedFiles } from '../cache/link.js';
import type { LinkType } from '../config.js';
import type { Hasher } from '../hash/hasher.js';
import { gitignoreFor } from '../git/gitignore.js';
import { unsafeWritePaths } from '../pipeline/symlinks.js';
import { DVC_FILE_SUFFIX, parseDvcFile, type TrackedOut } from './dvcfile.js';

/** Directories never searched for `.dvc` files. */
const SKIPPED = new Set(['.git', '.dvc-ts', 'node_modules']);

/**
 * Every `.dvc` file below the root (sorted). A directory that a sibling `.dvc` file tracks is not
 * entered: it holds data, not `.dvc` files, and may hold a great many files.
 */
export async function findDvcFiles(root: string, onDir?: (rel: string) => void): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(rel === '' ? root : join(root, ...rel.split('/')), { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return;
      throw e;
    }
    onDir?.(rel);
    // A directory beside its own .dvc file is tracked data, not searched. The names are gathered
    // (and paths made) only when needed: a data directory of 100,000 files has no subdirectory.
    let names: Set<string> | undefined;
    const pathOf = (name: string): string => (rel === '' ? name : `${rel}/${name}`);
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.isFile()) {
        if (e.name.endsWith(DVC_FILE_SUFFIX) && e.name !== DVC_FILE_SUFFIX) found.push(pathOf(e.name));
      } else if (e.isDirectory() && !SKIPPED.has(e.name)) {
        names ??= new Set(entries.map((x) => x.name));
        if (!names.has(e.name + DVC_FILE_SUFFIX)) subdirs.push(pathOf(e.name));
      }
    }
    await Promise.all(subdirs.map(walk));
  };
  await walk('');
  return found.sort();
}

/** Every out of every `.dvc` file in the workspace. */
export async function readTrackedOuts(root: string, files?: string[]): Promise<TrackedOut[]> {
  const list = files ?? (await findDvcFiles(root));
  const outs = await Promise.all(list.map(async (f) => parseDvcFile(await readFile(join(root, ...f.split('/')), 'utf8'), f)));
  return outs.flat();
}

export type TrackedState =
  /** The workspace holds what the `.dvc` file records. */
  | 'up-to-date'
  | 'modified'
  /** Nothing in the workspace: `checkout` (or `pull`) brings it back. */
  | 'missing'
  /** Recorded by DVC as md5 and the workspace matches it; not in dvc-ts's cache. */
  | 'dvc-md5-matches'
  /** An md5 directory: its listing is in DVC's cache, so it cannot be checked here. */
  | 'dvc-md5-unverifiable';

export interface TrackedStatus {
  out: TrackedOut;
  state: TrackedState;
  /** The recorded object is in the local cache (BLAKE3 outs only). */
  inCache: boolean;
}

export async function trackedStatus(outs: readonly TrackedOut[], hasher: Hasher, store: ObjectStore): Promise<TrackedStatus[]> {
  return Promise.all(
    outs.map(async (out): Promise<TrackedStatus> => {
      if (out.hash === undefined) {
        if (out.md5 === undefined || out.md5.endsWith('.dir')) return { out, state: 'dvc-md5-unverifiable', inCache: false };
        const abs = join(hasher.root, ...out.path.split('/'));
        const md5 = await md5File(abs).catch(() => undefined);
        return { out, state: md5 === undefined ? 'missing' : md5 === out.md5 ? 'dvc-md5-matches' : 'modified', inCache: false };
      }
      const [now, inCache] = await Promise.all([hasher.hashPath(out.path), store.has(out.hash)]);
      return { out, state: now === undefined ? 'missing' : now.hash === out.hash ? 'up-to-date' : 'modified', inCache };
    }),
  );
}

/** Lines for `status`: only what needs attention. */
export function formatTrackedStatus(statuses: readonly TrackedStatus[]): string[] {
  const lines: string[] = [];
  for (const s of statuses) {
    const where = `${s.out.path} (${s.out.dvcFile})`;
    if (s.state === 'modified') lines.push(`${where}: modified (dvc-ts add ${s.out.path} records the change)`);
    else if (s.state === 'missing') lines.push(`${where}: missing from the workspace (${s.inCache || s.out.hash === undefined ? 'dvc-ts checkout' : 'dvc-ts pull'} restores it)`);
    else if (s.state === 'dvc-md5-unverifiable') lines.push(`${where}: tracked by DVC as an md5 directory, which dvc-ts cannot check; dvc-ts add ${s.out.path} re-tracks it`);
    else if (s.state === 'up-to-date' && !s.inCache) lines.push(`${where}: not in the cache (dvc-ts pull fetches it)`);
  }
  return lines;
}

export async function md5File(abs: string): Promise<string> {
  // Loaded here, not at the top: only DVC's .dvc files need MD5, and node:crypto costs 5 ms to load.
  const { createHash } = await import('node:crypto');
  const hash = createHash('md5');
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface TrackedCheckoutResult {
  restored: string[];
  unchanged: number;
  failed: string[];
}

/**
 * Put tracked data back as the `.dvc` files record it. A path whose current content differs
 * and is not in the cache is left alone unless `force`: those bytes exist nowhere else.
 */
export async function checkoutTracked(
  outs: readonly TrackedOut[],
  hasher: Hasher,
  store: ObjectStore,
  options: { linkTypes: LinkType[]; force?: boolean },
): Promise<TrackedCheckoutResult> {
  const result: TrackedCheckoutResult = { restored: [], unchanged: 0, failed: [] };
  for (const out of outs) {
    if (out.hash === undefined) continue;
    // A `.dvc` file comes with the repository: its path may lead through a committed symlink.
    const [unsafe] = await unsafeWritePaths(hasher.root, [{ path: out.path, label: `out '${out.path}'`, pos: out.pos }]);
    if (unsafe) {
      result.failed.push(`${unsafe.format()}: not checked out`);
      continue;
    }
    const now = await hasher.hashPath(out.path);
    if (now?.hash === out.hash) {
      result.unchanged++;
      continue;
    }
    // Judged file by file, as for stage outs: a directory a killed checkout half restored holds
    // only bytes the cache has, and is completed; one with a file the cache lacks is kept.
    const unsaved = now && !options.force ? await unsavedFiles(store, hasher, out.path, now) : [];
    if (unsaved.length > 0) {
      const count = unsavedCount(out.path, unsaved);
      const what = count === undefined ? 'modified and not in the cache' : `holds ${count} not in the cache (${unsaved.join(', ')})`;
      result.failed.push(`${out.path}: ${what}, left as it is (dvc-ts add ${out.path} keeps it; checkout --force discards it)`);
      continue;
    }
    if (!(await store.has(out.hash))) {
      result.failed.push(`${out.path}: not in the cache (dvc-ts pull fetches it)`);
      continue;
    }
    try {
      await checkoutOut(store, join(hasher.root, ...out.path.split('/')), { hash: out.hash, size: out.size ?? 0 }, { linkTypes: options.linkTypes });
      result.restored.push(out.path);
    } catch (e) {
      if (!isUserError(e)) throw e;
      result.failed.push(`${out.path}: ${e.format()}`);
    }
  }
  return result;
}

/** The tracked outs named by `targets` (tracked paths or `.dvc` files); all when none. */
export function selectTracked(outs: readonly TrackedOut[], targets: readonly string[]): TrackedOut[] {
  if (targets.length === 0) return [...outs];
  return outs.filter((o) => targets.some((t) => t === o.path || t === o.dvcFile || o.path.startsWith(t.replace(/\/+$/, '') + '/')));
}

/** Files a results commit holds for tracked data: each `.dvc` file and the .gitignore beside its data. */
export async function trackedResultFiles(root: string): Promise<string[]> {
  const files = new Set<string>();
  for (const out of await readTrackedOuts(root)) {
    files.add(out.dvcFile);
    files.add(gitignoreFor(out.path));
  }
  return [...files].sort();
}
