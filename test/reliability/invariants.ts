// What must hold in a repository however a run ended (finished, interrupted, killed): the checks
// the interrupt and resource tests share. Everything is rehashed from the bytes on disk; nothing
// the engine remembers (state cache, lock) is trusted here.
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ObjectStore } from '../../engine/cache/store.js';
import { hashDir, isDirHash, parseManifest } from '../../engine/hash/dir.js';
import { hashFile } from '../../engine/hash/file.js';
import { parseStateText, STATE_RELPATH } from '../../engine/hash/state.js';
import { parseLock } from '../../engine/lock/lockfile.js';
import type { HashInfo, LockFile } from '../../engine/types.js';

/** Names engine/util/atomic.ts tempPathFor gives: `.<name>.<pid>.<8 hex>.tmp`. */
export const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

export interface InvariantReport {
  /** Each broken invariant, described; empty when all hold. */
  violations: string[];
  /** Temp files found anywhere in the repository (outside .git). */
  tempFiles: string[];
  lock: LockFile | undefined;
}

/** Hash a workspace path from its bytes alone; undefined when nothing is there. */
export async function hashOnDisk(abs: string): Promise<HashInfo | undefined> {
  const st = await stat(abs).catch(() => undefined);
  if (!st) return undefined;
  if (st.isDirectory()) return (await hashDir(abs)).info;
  const d = await hashFile(abs);
  return { hash: d.hash, size: d.size };
}

/** True when the object and, for a directory, every file its manifest lists are intact. */
export async function intactInCache(store: ObjectStore, hash: string): Promise<boolean> {
  if ((await store.checkObject(hash)).status !== 'ok') return false;
  if (!isDirHash(hash)) return true;
  const manifest = parseManifest(await readFile(store.objectPath(hash), 'utf8'));
  for (const e of manifest) if ((await store.checkObject(e.hash)).status !== 'ok') return false;
  return true;
}

/**
 * Check a repository after a run.
 * - the lock parses;
 * - each locked out of a `finished` stage matches the bytes on disk; any other locked out matches
 *   the disk or is intact in the cache (a stale stage's run may have replaced it half-way);
 * - every cache object hashes to its name, and every manifest's files are present;
 * - no state-cache entry that still matches a file's stat records a wrong hash (a later run
 *   would believe it without reading the file).
 */
export async function checkRepo(root: string, finished: (stage: string, lock: LockFile) => boolean): Promise<InvariantReport> {
  const violations: string[] = [];
  const store = new ObjectStore(root);
  let lock: LockFile | undefined;
  const lockText = await readFile(join(root, 'pipeline.lock'), 'utf8').catch(() => undefined);
  if (lockText !== undefined) {
    try {
      lock = parseLock(lockText);
    } catch (e) {
      violations.push(`pipeline.lock does not parse: ${(e as Error).message}`);
    }
  }
  for (const [name, entry] of Object.entries(lock?.stages ?? {})) {
    const done = finished(name, lock!);
    for (const out of entry.outs) {
      const now = await hashOnDisk(join(root, out.path));
      if (now?.hash === out.hash) continue;
      if (done) violations.push(`finished stage '${name}': out ${out.path} is ${now?.hash ?? 'missing'} on disk, lock says ${out.hash}`);
      else if (!(await intactInCache(store, out.hash))) {
        violations.push(`stage '${name}': out ${out.path} differs on disk and ${out.hash} is not intact in the cache`);
      }
    }
  }
  for (const hash of await store.list()) {
    const check = await store.checkObject(hash);
    if (check.status !== 'ok') violations.push(`cache object ${hash} is ${check.status}`);
    else if (isDirHash(hash)) {
      for (const e of parseManifest(await readFile(store.objectPath(hash), 'utf8'))) {
        if (!(await store.has(e.hash))) violations.push(`manifest ${hash} lists ${e.relpath} (${e.hash}), absent from the cache`);
      }
    }
  }
  violations.push(...(await checkStateCache(root)));
  return { violations, tempFiles: await findTempFiles(root), lock };
}

/** State entries whose stat still matches the file but whose hash is wrong. */
async function checkStateCache(root: string): Promise<string[]> {
  const text = await readFile(join(root, STATE_RELPATH), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const entries = parseStateText(text);
  if (typeof entries === 'string') return [];
  const wrong: string[] = [];
  for (const [rel, e] of entries) {
    const abs = join(root, rel);
    const st = await stat(abs, { bigint: true }).catch(() => undefined);
    if (!st?.isFile() || String(st.ino) !== e.ino || String(st.mtimeNs) !== e.mtimeNs || Number(st.size) !== e.size) continue;
    const actual = (await hashFile(abs)).hash;
    if (actual !== e.hash) wrong.push(`state cache says ${rel} is ${e.hash}, its bytes hash to ${actual}`);
  }
  return wrong;
}

/** Every temp file (by name) below root, repository-relative, `.git` excluded. */
export async function findTempFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const d of await readdir(abs, { withFileTypes: true }).catch(() => [])) {
      if (d.name === '.git') continue;
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) await walk(join(abs, d.name), childRel);
      else if (TEMP_NAME.test(d.name)) found.push(childRel);
    }
  };
  await walk(root, '');
  return found.sort();
}

/**
 * Pids of live processes started for stages of the repository at `root` (their environment has
 * `DVC_TS_ROOT=<root>`). Linux /proc; elsewhere an empty list.
 */
export async function stageProcesses(root: string): Promise<number[]> {
  const marker = Buffer.from(`DVC_TS_ROOT=${root}\0`);
  const pids: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const env = await readFile(`/proc/${name}/environ`).catch(() => undefined);
    if (env && (env.indexOf(marker) >= 0)) pids.push(Number(name));
  }
  return pids;
}

/**
 * After dvc-ts itself was SIGKILLed, the stages it started live on in their own process groups
 * (by design: the group is what dvc-ts signals). Give them `graceMs` to finish on their own, as
 * they would after a crash, then end their groups, so the next run does not race them.
 * Returns how many were found running, and how many of those had to be killed.
 */
export async function reapOrphanStages(root: string, graceMs: number): Promise<{ found: number; killed: number }> {
  const end = Date.now() + graceMs;
  let pids = await stageProcesses(root);
  const found = pids.length;
  while (pids.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    pids = await stageProcesses(root);
  }
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  return { found, killed: pids.length };
}

/** True when `path` exists (file, directory or link). */
export async function present(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
