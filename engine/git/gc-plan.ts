// What garbage collection keeps: every cache object a kept revision's lock refers to, the files
// of kept directory manifests, and run-cache entries whose objects all survive. Pure.
import { isDirHash } from '../hash/dir.js';
import { isObjectHash } from '../cache/store.js';
import type { LockFile, LockPathEntry } from '../types.js';

/** Object hashes a lock refers to: every out, and every dep that names a cache object. */
export function lockHashes(lock: LockFile, into: Set<string> = new Set()): Set<string> {
  for (const entry of Object.values(lock.stages)) {
    for (const e of [...entry.outs, ...entry.deps]) if (isObjectHash(e.hash)) into.add(e.hash);
  }
  return into;
}

/** Kept hashes plus the files of each kept manifest (`manifests`: .dir hash → its file hashes). */
export function expandKept(kept: ReadonlySet<string>, manifests: ReadonlyMap<string, readonly string[]>): Set<string> {
  const all = new Set(kept);
  for (const hash of kept) {
    if (!isDirHash(hash)) continue;
    for (const file of manifests.get(hash) ?? []) all.add(file);
  }
  return all;
}

/** Objects of the store that nothing kept refers to, in the store's order. */
export function garbageObjects(objects: readonly string[], kept: ReadonlySet<string>): string[] {
  return objects.filter((o) => !kept.has(o));
}

/** A run-cache entry as found on disk. */
export interface RunEntryRef {
  /** The run key the entry is stored under. */
  key: string;
  outs: readonly LockPathEntry[];
}

/**
 * Run-cache entries that would point at a missing object once `survivors` are all that is left:
 * an out's object, or a file a surviving manifest lists.
 */
export function staleRunEntries(
  entries: readonly RunEntryRef[],
  survivors: ReadonlySet<string>,
  manifests: ReadonlyMap<string, readonly string[]>,
): RunEntryRef[] {
  return entries.filter((entry) =>
    entry.outs.some((out) => !survivors.has(out.hash) || (isDirHash(out.hash) && (manifests.get(out.hash) ?? []).some((f) => !survivors.has(f)))),
  );
}
