import { join } from 'node:path';
import type { ObjectStore } from '../cache/store.js';
import { parseRunEntry, RunCache, RUNS_RELDIR } from '../cache/runcache.js';
import { isDirHash } from '../hash/dir.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { LockPathEntry } from '../types.js';
import { runKeyOfPath, runKeyPath } from './plan.js';
import { listAll, readText, type Remote } from './types.js';
import { createLimiter } from '../hash/limit.js';

/** Run keys whose entries are on the remote. */
export async function remoteRunKeys(remote: Remote): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const k of await listAll(remote, 'runs/')) {
    const key = runKeyOfPath(k);
    if (key) keys.add(key);
  }
  return keys;
}

/** Every object a run entry needs, manifests' files included (from the local cache). */
export async function runEntryObjects(store: ObjectStore, outs: readonly LockPathEntry[]): Promise<string[] | undefined> {
  const hashes: string[] = [];
  for (const out of outs) {
    if (!(await store.has(out.hash))) return undefined;
    hashes.push(out.hash);
    if (isDirHash(out.hash)) {
      try {
        for (const e of await store.readManifest(out.hash)) hashes.push(e.hash);
      } catch {
        return undefined;
      }
    }
  }
  return hashes;
}

/** Local run entries whose every object is in the local cache: the ones worth sharing. */
export async function shareableRunEntries(root: string, store: ObjectStore): Promise<{ entries: Map<string, LockPathEntry[]>; objects: Map<string, string[]> }> {
  const entries = await new RunCache(root, store).entries();
  const objects = new Map<string, string[]>();
  for (const [key, outs] of entries) {
    const needed = await runEntryObjects(store, outs);
    if (needed) objects.set(key, needed);
    else entries.delete(key);
  }
  return { entries, objects };
}

/** Upload the entries the remote lacks, after their objects (the caller pushed those first). */
export async function uploadRunEntries(remote: Remote, root: string, keys: Iterable<string>, jobs: number): Promise<number> {
  const limit = createLimiter(jobs);
  let n = 0;
  await Promise.all(
    [...keys].map((key) =>
      limit(async () => {
        await remote.write(runKeyPath(key), join(root, RUNS_RELDIR, key.slice(0, 2), key), 0);
        n++;
      }),
    ),
  );
  return n;
}

/** Read a run entry from the remote; undefined when it is not a valid one. */
export async function readRemoteRunEntry(remote: Remote, key: string): Promise<{ text: string; outs: LockPathEntry[] } | undefined> {
  const text = await readText(remote, runKeyPath(key));
  const outs = parseRunEntry(text);
  return outs ? { text, outs } : undefined;
}

/** Save a pulled run entry, once its objects are in the cache. */
export async function saveRunEntry(root: string, key: string, text: string): Promise<void> {
  await writeFileAtomic(join(root, RUNS_RELDIR, key.slice(0, 2), key), text, { durable: false });
}
