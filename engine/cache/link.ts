import { chmod, copyFile, link, lstat, readdir, rename, rm, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { HashInfo } from '../types.js';
import { environmentError, rethrowEnvironmentError, UserError, UserErrors } from '../errors.js';
import { ensureDir, tempPathFor } from '../util/atomic.js';
import { IGNORED_DIR_NAMES, isDirHash, type ManifestEntry } from '../hash/dir.js';
import { createLimiter } from '../hash/limit.js';
import type { Hasher } from '../hash/hasher.js';
import type { ObjectStore } from './store.js';

/** Saving an out after a run lives in save.ts; re-exported here beside its inverse, checkout. */
export { saveOut } from './save.js';

export type LinkType = 'reflink' | 'hardlink' | 'symlink' | 'copy';

/**
 * DVC's default. Hardlinks and symlinks share bytes with the cache, so an in-place edit in the
 * workspace would corrupt the object; they are opt-in and leave the workspace file read-only.
 */
export const DEFAULT_LINK_TYPES: readonly LinkType[] = ['reflink', 'copy'];

/** Mode of a workspace file made by reflink or copy: an ordinary, editable file. */
const WORKSPACE_FILE_MODE = 0o644;

export interface CheckoutOptions {
  /** Tried in order per file until one works (default reflink, then copy). */
  linkTypes?: readonly LinkType[];
  /** Files verified and linked at once. */
  concurrency?: number;
}

export interface CheckoutResult {
  /** Files written into the workspace. */
  linked: number;
  /** Files already in place with the right content (known from the state cache). */
  unchanged: number;
  /** Workspace files removed because the directory's manifest does not list them. */
  removed: number;
  /** How the linked files were made. */
  linkTypesUsed: LinkType[];
}

/**
 * Put an output back into the workspace from the cache. `path` is absolute or repository-relative
 * (POSIX). A file is replaced atomically (temp name beside it, then rename); a directory ends up
 * holding exactly its manifest's files. Every object is verified against its name before any of
 * them is linked: a damaged or missing object is reported by path and nothing of it reaches the
 * workspace.
 */
export async function checkoutOut(
  store: ObjectStore,
  path: string,
  info: HashInfo,
  options: CheckoutOptions = {},
): Promise<CheckoutResult> {
  const target = isAbsolute(path) ? path : join(store.root, ...path.split('/'));
  const linkTypes = options.linkTypes ?? DEFAULT_LINK_TYPES;
  if (linkTypes.length === 0) throw new UserError('no link type configured for checkout');
  const limit = createLimiter(options.concurrency ?? 4);
  const result: CheckoutResult = { linked: 0, unchanged: 0, removed: 0, linkTypesUsed: [] };
  const used = new Set<LinkType>();

  const placeFile = async (abs: string, hash: string): Promise<void> => {
    const kind = await linkFileFromCache(store, abs, hash, linkTypes);
    if (kind === 'unchanged') result.unchanged++;
    else {
      result.linked++;
      used.add(kind);
    }
  };

  if (!isDirHash(info.hash)) {
    await assertObjectsSound(store, [info.hash], limit);
    await removeIfDirectory(target);
    await placeFile(target, info.hash);
  } else {
    const manifest = await store.readManifest(info.hash);
    await assertObjectsSound(store, manifest.map((e) => e.hash), limit);
    await prepareDirectory(target);
    result.removed = await removeUnlisted(target, manifest);
    await Promise.all(manifest.map((e) => limit(() => placeFile(join(target, ...e.relpath.split('/')), e.hash))));
  }
  result.linkTypesUsed = [...used];
  return result;
}

/**
 * The workspace files a checkout of `relPath` would overwrite or delete although the cache does
 * not hold their bytes (an out the user edited, a file added to a directory out): work that
 * would be lost for good. `current` is what `hasher.hashPath(relPath)` just returned; a file or
 * a whole directory may stand there, whatever the out is. Repository-relative paths, sorted.
 */
export async function unsavedFiles(store: ObjectStore, hasher: Hasher, relPath: string, current: HashInfo): Promise<string[]> {
  if (!isDirHash(current.hash)) return (await store.has(current.hash)) ? [] : [relPath];
  const manifest = hasher.lastDirSnapshot(relPath)?.manifest;
  if (!manifest) throw new Error(`no manifest kept for ${relPath}`);
  const limit = createLimiter(8);
  const held = await Promise.all(manifest.map((e) => limit(() => store.has(e.hash))));
  return manifest.filter((_, i) => !held[i]).map((e) => `${relPath}/${e.relpath}`);
}

/**
 * How a refusal names what `unsavedFiles` found: undefined when it is the out itself (a file
 * edited in place), else the count of files the out holds that the cache lacks.
 */
export function unsavedCount(out: string, files: readonly string[]): string | undefined {
  if (files.length === 1 && files[0] === out) return undefined;
  return files.length === 1 ? '1 file' : `${files.length} files`;
}

/** Verify each distinct object; throw one UserError naming every missing or damaged one. */
async function assertObjectsSound(
  store: ObjectStore,
  hashes: readonly string[],
  limit: ReturnType<typeof createLimiter>,
): Promise<void> {
  const distinct = [...new Set(hashes)];
  const problems: UserError[] = [];
  await Promise.all(
    distinct.map((h) =>
      limit(async () => {
        const check = await store.checkObject(h);
        const p = store.objectPath(h);
        if (check.status === 'missing') problems.push(new UserError(`cache object ${p} is missing`));
        else if (check.status === 'damaged') {
          problems.push(new UserError(`cache object ${p} is damaged: its content hashes to ${check.actual}, not ${h}`));
        }
      }),
    ),
  );
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new UserErrors(problems);
}

/**
 * Link one verified object to `target`. Returns 'unchanged' when the state cache already knows
 * the target holds these bytes, else the link type that worked.
 */
async function linkFileFromCache(
  store: ObjectStore,
  target: string,
  hash: string,
  linkTypes: readonly LinkType[],
): Promise<LinkType | 'unchanged'> {
  const since = Date.now();
  const current = await stat(target, { bigint: true }).catch(() => undefined);
  if (current?.isFile() && store.state && (await store.state.get(target, current)) === hash) return 'unchanged';

  const src = store.objectPath(hash);
  await ensureDir(dirname(target)).catch((e) => rethrowEnvironmentError(e, { action: 'check out', path: target }));
  const failures: string[] = [];
  let last: unknown;
  for (const kind of linkTypes) {
    const tmp = tempPathFor(target);
    try {
      await makeLink(kind, src, tmp);
      await rename(tmp, target);
      // rename() between two links of one inode succeeds without doing anything (POSIX).
      if (kind === 'hardlink') await unlink(tmp).catch(() => undefined);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      failures.push(`${kind}: ${(e as Error).message}`);
      last = e;
      continue;
    }
    if (store.state) {
      const placed = await stat(target, { bigint: true });
      await store.state.set(target, placed, hash, { hashedSinceMs: since });
    }
    return kind;
  }
  // The last type tried (a plain copy by default) failing on a full disk or a read-only mount:
  // that is the cause to name, not the link types.
  const environment = environmentError(last, { action: 'check out', path: target });
  if (environment) throw environment;
  throw new UserError(`cannot check out ${target} from the cache with link types ${linkTypes.join(', ')}`, {
    details: failures,
  });
}

/** Create `dst` (a fresh temp path) holding the object `src` by the given means. */
async function makeLink(kind: LinkType, src: string, dst: string): Promise<void> {
  switch (kind) {
    case 'reflink':
      // FORCE: fail instead of silently copying, so the next configured type decides the fallback.
      await copyFile(src, dst, constants.COPYFILE_FICLONE_FORCE);
      await chmod(dst, WORKSPACE_FILE_MODE);
      return;
    case 'copy':
      await copyFile(src, dst);
      await chmod(dst, WORKSPACE_FILE_MODE);
      return;
    case 'hardlink':
      // Shares the object's inode and so its read-only mode: an edit must replace, not overwrite.
      await link(src, dst);
      return;
    case 'symlink':
      await symlink(src, dst);
      return;
  }
}

/** A directory where a file output goes is removed (the output's type changed). */
async function removeIfDirectory(target: string): Promise<void> {
  const st = await lstat(target).catch(() => undefined);
  if (st?.isDirectory()) await rm(target, { recursive: true, force: true });
}

/** Make `target` a directory, replacing a file or symlink standing in its place. */
async function prepareDirectory(target: string): Promise<void> {
  const st = await lstat(target).catch(() => undefined);
  if (st && !st.isDirectory()) await unlink(target);
  await ensureDir(target);
}

/**
 * Delete every file below `dir` that the manifest does not list, and the directories left empty,
 * so the checkout matches the recorded output exactly. `.git` and `.dvc-ts` are never touched.
 * Runs before linking, so a file standing where a manifest directory goes is already gone.
 */
async function removeUnlisted(dir: string, manifest: readonly ManifestEntry[]): Promise<number> {
  const listed = new Set(manifest.map((e) => e.relpath));
  let removed = 0;
  const walk = async (abs: string, rel: string): Promise<void> => {
    const dirents = await readdir(abs, { withFileTypes: true });
    await Promise.all(
      dirents.map(async (d) => {
        if (IGNORED_DIR_NAMES.has(d.name)) return;
        const childAbs = join(abs, d.name);
        const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
        if (d.isDirectory()) {
          await walk(childAbs, childRel);
          // Only removes it when empty: ENOTEMPTY means listed files (or .git) live below.
          if (!listed.has(childRel)) await rmdir(childAbs).catch(() => undefined);
          else await rm(childAbs, { recursive: true, force: true });
          return;
        }
        if (!listed.has(childRel)) {
          await unlink(childAbs);
          removed++;
        }
      }),
    );
  };
  await walk(dir, '');
  return removed;
}
