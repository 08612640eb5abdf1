import type { HashInfo } from '../types.js';
import { UserError } from '../errors.js';
import { isDirHash } from '../hash/dir.js';
import type { Hasher } from '../hash/hasher.js';
import type { ObjectStore } from './store.js';

/**
 * Save a stage's output after it ran: hash it (through the state cache), store the file, or every
 * file of the directory plus its manifest, in the object cache, and return what the lock records.
 *
 * `known` is the HashInfo the caller just got from `hasher.hashPath(relPath)`: passing it skips a
 * second hashing pass. That is safe because the store rehashes every copy it adds, so bytes that
 * changed in between are refused rather than stored under a stale name. (A freshly written file
 * is never answered from the state cache: its mtime is too recent to trust, see state.ts.)
 * Throws UserError when the output does not exist.
 */
export async function saveOut(store: ObjectStore, hasher: Hasher, relPath: string, known?: HashInfo): Promise<HashInfo> {
  const snapshotMatches = (h: HashInfo): boolean => hasher.lastDirSnapshot(relPath)?.info.hash === h.hash;
  let info = known;
  if (!info || (isDirHash(info.hash) && !snapshotMatches(info))) info = await hasher.hashPath(relPath);
  if (!info) throw new UserError(`output ${relPath} does not exist`);
  const abs = hasher.absPath(relPath);
  if (isDirHash(info.hash)) {
    const snap = hasher.lastDirSnapshot(relPath);
    if (!snap || snap.info.hash !== info.hash) throw new Error(`no manifest kept for ${relPath}`);
    await store.addDir(abs, snap.manifest, info);
  } else {
    await store.addFile(abs, info);
  }
  return info;
}
