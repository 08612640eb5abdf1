import { relative } from 'node:path';
import { ObjectStore } from '../cache/store.js';
import { isDirHash } from '../hash/dir.js';
import { createLimiter } from '../hash/limit.js';
import { isUserError } from '../errors.js';
import { acquireRepoLock } from '../repo/repo-lock.js';

/** Why an object cannot be trusted. */
export type ObjectProblem =
  /** Its bytes do not hash to its name. */
  | 'damaged'
  /** A directory manifest that hashes right but lists file objects the cache lacks. */
  | 'incomplete';

export interface BadObject {
  hash: string;
  /** Repository-relative path of the object file. */
  path: string;
  problem: ObjectProblem;
  /** What is wrong, for people: the actual hash, or the missing members. */
  detail: string;
}

export interface CacheVerifyReport {
  /** Objects read and checked. */
  checked: number;
  bad: BadObject[];
  /** Temp files left in the object directory by a killed writer (repository-relative). */
  leftovers: string[];
  /** Whether `bad` objects and leftovers were deleted. */
  removed: boolean;
}

export interface CacheVerifyOptions {
  /** Delete the bad objects and leftover temp files (under the repository lock). */
  remove?: boolean;
  /** Objects hashed at once. */
  concurrency?: number;
  /** With `remove`: wait for a running dvc-ts instead of failing. */
  wait?: boolean;
}

/**
 * `dvc-ts cache verify`: read every object in the cache and compare it with its name. Unlike
 * checkout, this ignores the state cache on purpose: bit rot changes bytes without touching the
 * inode or mtime the state cache trusts. Removing takes the repository lock, so no running
 * repro is writing objects (or temp files) at the same time.
 */
export async function verifyCache(root: string, options: CacheVerifyOptions = {}): Promise<CacheVerifyReport> {
  const repoLock = options.remove ? await acquireRepoLock(root, { wait: options.wait }) : undefined;
  try {
    const store = new ObjectStore(root);
    const objects = await store.list();
    const present = new Set(objects);
    const limit = createLimiter(options.concurrency ?? 4);
    const bad: BadObject[] = [];
    const rel = (hash: string) => relative(store.root, store.objectPath(hash)).split('\\').join('/');
    await Promise.all(
      objects.map((hash) =>
        limit(async () => {
          const check = await store.checkObject(hash);
          if (check.status === 'damaged') {
            bad.push({ hash, path: rel(hash), problem: 'damaged', detail: `content hashes to ${check.actual}` });
          } else if (check.status === 'ok' && isDirHash(hash)) {
            const missing = await missingMembers(store, hash, present);
            if (missing !== undefined) bad.push({ hash, path: rel(hash), problem: 'incomplete', detail: missing });
          }
        }),
      ),
    );
    bad.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    const leftovers = await store.leftovers();
    if (options.remove) {
      for (const b of bad) await store.remove(b.hash);
      for (const l of leftovers) await store.removeLeftover(l);
    }
    return { checked: objects.length, bad, leftovers: leftovers.map((p) => relative(store.root, p).split('\\').join('/')), removed: options.remove === true };
  } finally {
    await repoLock?.release();
  }
}

/** Which file objects a (sound) manifest names but the cache lacks, described; undefined if none. */
async function missingMembers(store: ObjectStore, hash: string, present: ReadonlySet<string>): Promise<string | undefined> {
  let entries;
  try {
    entries = await store.readManifest(hash);
  } catch (e) {
    if (!isUserError(e)) throw e;
    return e.message;
  }
  const missing = entries.filter((e) => !present.has(e.hash));
  if (missing.length === 0) return undefined;
  const shown = missing.slice(0, 3).map((e) => e.relpath).join(', ');
  return `${missing.length} of ${entries.length} files missing from the cache (${shown}${missing.length > 3 ? ', …' : ''})`;
}

/** Human-readable report: one line per bad object, then a summary. */
export function formatCacheVerify(report: CacheVerifyReport): string {
  const lines: string[] = [];
  for (const b of report.bad) lines.push(`${report.removed ? 'removed ' : ''}${b.problem}: ${b.path} (${b.detail})`);
  if (report.leftovers.length > 0) {
    lines.push(`${report.removed ? 'Removed' : 'Found'} ${report.leftovers.length} leftover temp file${report.leftovers.length === 1 ? '' : 's'} from interrupted writes`);
  }
  const n = report.bad.length;
  lines.push(
    n === 0
      ? `All ${report.checked} cache objects are intact.`
      : `${n} of ${report.checked} cache objects ${n === 1 ? 'is' : 'are'} damaged or incomplete` +
          (report.removed ? '; removed them (rerun `dvc-ts repro` to rebuild what needs them).' : '; run `dvc-ts cache verify --remove` to delete them.'),
  );
  return lines.join('\n') + '\n';
}
