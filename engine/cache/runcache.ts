import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LockPathEntry } from '../types.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { removeFileAndEmptyParent } from '../util/remove.js';
import { isHexDigest } from '../hash/digest.js';
import { isObjectHash, type ObjectStore } from './store.js';

/** Run-cache directory below the repository root. */
export const RUNS_RELDIR = join('.dvc-ts', 'cache', 'runs');

const FORMAT = 'dvc-ts-run/1';

/**
 * Remembers what a run produced, keyed by its run key (engine/hash/stage.ts computeRunKey), so a
 * stage whose command, deps and params match an earlier run can have its outputs checked out
 * instead of being run again.
 */
export class RunCache {
  readonly root: string;
  readonly store: ObjectStore;
  /** Absolute path of the runs directory. */
  readonly runsDir: string;

  constructor(root: string, store: ObjectStore) {
    this.root = resolve(root);
    this.store = store;
    this.runsDir = join(this.root, RUNS_RELDIR);
  }

  /** Absolute path of the entry for `runKey`. */
  entryPath(runKey: string): string {
    if (!isHexDigest(runKey)) throw new UserError(`invalid run key ${JSON.stringify(runKey)}`);
    return join(this.runsDir, runKey.slice(0, 2), runKey);
  }

  /** Record the outputs a run produced (their objects should already be in the store). */
  async saveRun(runKey: string, outs: readonly LockPathEntry[]): Promise<void> {
    const entry = {
      format: FORMAT,
      outs: outs.map((o) => (o.nfiles === undefined ? { path: o.path, hash: o.hash, size: o.size } : { path: o.path, hash: o.hash, size: o.size, nfiles: o.nfiles })),
    };
    // A run-cache entry lost to a power cut only costs a rerun: no fsync on the hot path.
    await writeFileAtomic(this.entryPath(runKey), JSON.stringify(entry, null, 1) + '\n', { durable: false });
  }

  /**
   * The outputs of an earlier run with this key, or undefined when there is none, the entry is
   * unreadable, or any object it needs (a file, a manifest, or a file a manifest lists) is gone
   * from the store: a partial hit would be a failed checkout later.
   */
  async findRun(runKey: string): Promise<LockPathEntry[] | undefined> {
    let text: string;
    try {
      text = await readFile(this.entryPath(runKey), 'utf8');
    } catch {
      return undefined;
    }
    const outs = parseRunEntry(text);
    if (!outs) return undefined;
    for (const out of outs) if (!(await this.store.holdsWhole(out.hash).catch(() => false))) return undefined;
    return outs;
  }

  /**
   * Every readable entry, run key → its outs, in key order. Temp files and names that are not
   * run keys are skipped, and so are entries this version cannot read: they are left for
   * whoever wrote them.
   */
  async entries(): Promise<Map<string, LockPathEntry[]>> {
    let prefixes: string[];
    try {
      prefixes = await readdir(this.runsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw e;
    }
    const found: [string, LockPathEntry[]][] = [];
    await Promise.all(
      prefixes
        .filter((p) => /^[0-9a-f]{2}$/.test(p))
        .map(async (prefix) => {
          for (const key of await readdir(join(this.runsDir, prefix))) {
            if (!isHexDigest(key) || !key.startsWith(prefix)) continue;
            const outs = parseRunEntry(await readFile(join(this.runsDir, prefix, key), 'utf8').catch(() => ''));
            if (outs) found.push([key, outs]);
          }
        }),
    );
    return new Map(found.sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Delete an entry (gone already is fine), and its prefix directory when that empties it. */
  async remove(runKey: string): Promise<void> {
    await removeFileAndEmptyParent(this.entryPath(runKey), this.runsDir);
  }
}

/** Parse a run-cache entry; undefined when it is not a valid one (pure). */
export function parseRunEntry(text: string): LockPathEntry[] | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { format, outs } = raw as { format?: unknown; outs?: unknown };
  if (format !== FORMAT || !Array.isArray(outs)) return undefined;
  const result: LockPathEntry[] = [];
  for (const o of outs) {
    if (typeof o !== 'object' || o === null) return undefined;
    const { path, hash, size, nfiles } = o as Record<string, unknown>;
    if (typeof path !== 'string' || path === '') return undefined;
    if (typeof hash !== 'string' || !isObjectHash(hash)) return undefined;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
    if (nfiles !== undefined && (typeof nfiles !== 'number' || !Number.isSafeInteger(nfiles) || nfiles < 0)) {
      return undefined;
    }
    result.push(nfiles === undefined ? { path, hash, size } : { path, hash, size, nfiles });
  }
  return result;
}
