import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blake3Hex } from '../hash/digest.js';
import type { LockFile } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { BUILD_ID } from '../util/build-id.js';
import { emptyLock, parseLock, readLockText } from './lockfile.js';

/**
 * pipeline.lock parsed once: the parse (YAML with positions, checked field by field) costs
 * hundreds of milliseconds on a large lock, so its result is kept as JSON under
 * `.dvc-ts/state/`, keyed by the lock's exact bytes. Any edit to the lock misses the cache.
 */
const CACHE_FILE = '.dvc-ts/state/lock-cache.json';

interface CachedLock {
  key: string;
  lock: LockFile;
}

function keyOf(file: string, text: string): string {
  return `${BUILD_ID}\n${file}\n${blake3Hex(text)}`;
}

export async function readLockCached(root: string, file: string): Promise<LockFile> {
  const text = await readLockText(root, file);
  if (text === undefined) return emptyLock();
  const key = keyOf(file, text);
  try {
    const cached = JSON.parse(await readFile(join(root, CACHE_FILE), 'utf8')) as CachedLock;
    if (cached.key === key) return cached.lock;
  } catch {
    // No cache yet, or a damaged one: parse the lock itself.
  }
  const lock = parseLock(text, file);
  await rememberLock(root, file, text, lock);
  return lock;
}

/** Record a lock that was just written or parsed, so the next command need not parse it. */
export async function rememberLock(root: string, file: string, text: string, lock: LockFile): Promise<void> {
  let json: string;
  try {
    // NaN and ±Infinity have no JSON form: such a lock is simply not cached.
    json = JSON.stringify({ key: keyOf(file, text), lock }, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError('not JSON');
      return v;
    });
  } catch {
    return;
  }
  await writeFileAtomic(join(root, CACHE_FILE), json, { durable: false }).catch(() => undefined);
}
