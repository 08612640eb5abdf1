import { chmod, copyFile, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { HashInfo } from '../types.js';
import { environmentErrorCode, isUserError, rethrowEnvironmentError, UserError } from '../errors.js';
import { ensureDir, syncDir, tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { removeFileAndEmptyParent } from '../util/remove.js';
import { blake3Hex, isHexDigest } from '../hash/digest.js';
import { DIR_SUFFIX, isDirHash, manifestHashInfo, parseManifest, serializeManifest, type Manifest, type ManifestEntry } from '../hash/dir.js';
import { hashFile } from '../hash/file.js';
import { createLimiter } from '../hash/limit.js';
import type { StateCache } from '../hash/state.js';

/** Object directory below the repository root; `b3` names the hash function of its names. */
export const OBJECTS_RELDIR = join('.dvc-ts', 'cache', 'files', 'b3');

/** Objects are never written in place: read-only guards against edits through hardlinks. */
const OBJECT_MODE = 0o444;

/** Result of checking an object's bytes against its name. */
export type ObjectCheck =
  | { status: 'ok' }
  | { status: 'missing' }
  | { status: 'damaged'; actual: string };

/** True for a valid object name: a 64-hex BLAKE3 digest, optionally suffixed `.dir`. */
export function isObjectHash(hash: string): boolean {
  return isHexDigest(isDirHash(hash) ? hash.slice(0, -DIR_SUFFIX.length) : hash);
}

/**
 * The content-addressed cache: `<root>/.dvc-ts/cache/files/b3/<2 hex>/<62 hex>[.dir]`. An object's
 * name is the BLAKE3 of its bytes; directory manifests are objects too. Objects enter only
 * through a verified temp copy and an atomic rename, so a present object is a complete one.
 */
export class ObjectStore {
  readonly root: string;
  /** Absolute path of the object directory. */
  readonly objectsDir: string;
  /** Remembers verified objects (keyed on their path) so they are not rehashed every time. */
  readonly state: StateCache | undefined;

  constructor(root: string, options: { state?: StateCache } = {}) {
    this.root = resolve(root);
    this.objectsDir = join(this.root, OBJECTS_RELDIR);
    this.state = options.state;
  }

  /** Absolute path where the object `hash` is (or would be) stored. */
  objectPath(hash: string): string {
    if (!isObjectHash(hash)) throw new UserError(`invalid object hash ${JSON.stringify(hash)}`);
    return join(this.objectsDir, hash.slice(0, 2), hash.slice(2));
  }

  async has(hash: string): Promise<boolean> {
    try {
      return (await stat(this.objectPath(hash))).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /**
   * True when the object can be checked out: a file object is present; a directory's listing
   * is present, hashes to its name, and every file it names is present at the size it gives
   * (objects enter only by an atomic rename of verified bytes, so present at the right size is
   * whole, as everywhere else in the store). A listing without all its files (a pull or gc
   * killed midway, a member the remote refused) is not usable: the stage runs, or is fetched,
   * again.
   */
  async holdsWhole(hash: string): Promise<boolean> {
    if (!isDirHash(hash)) return this.has(hash);
    let manifest: ManifestEntry[];
    try {
      manifest = await this.readManifest(hash);
    } catch (e) {
      if (isUserError(e)) return false;
      throw e;
    }
    const limit = createLimiter(16);
    const whole = await Promise.all(manifest.map((e) => limit(() => this.hasAtSize(e.hash, e.size))));
    return !whole.includes(false);
  }

  private async hasAtSize(hash: string, size: number): Promise<boolean> {
    try {
      const st = await stat(this.objectPath(hash));
      return st.isFile() && st.size === size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /**
   * Store a file under its (already computed) hash; no-op when the object exists. The copy is a
   * reflink where the file system allows it, and is rehashed before it is renamed into place, so
   * a file that changed since it was hashed never lands under the wrong name.
   * Returns true when an object was added.
   */
  async addFile(absPath: string, info: HashInfo): Promise<boolean> {
    if (isDirHash(info.hash)) throw new Error(`addFile given a directory hash ${info.hash}`);
    const dst = this.objectPath(info.hash);
    if (await this.has(info.hash)) return false;
    await ensureDir(dirname(dst)).catch(rethrowAsCacheError(dst));
    const tmp = tempPathFor(dst);
    let tmpStat;
    try {
      await copyFile(absPath, tmp, constants.COPYFILE_FICLONE).catch(rethrowAsCacheError(dst));
      await chmod(tmp, OBJECT_MODE).catch(rethrowAsCacheError(dst));
      tmpStat = await stat(tmp, { bigint: true });
      const copied = await hashFile(tmp);
      if (copied.hash !== info.hash || copied.size !== info.size) {
        throw new UserError(`${absPath} changed while it was being saved to the cache`, {
          details: [`expected ${info.hash} (${info.size} bytes), copied ${copied.hash} (${copied.size} bytes)`],
        });
      }
      await fsyncFile(tmp).catch(rethrowAsCacheError(dst));
      await rename(tmp, dst).catch(rethrowAsCacheError(dst));
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await syncDir(dirname(dst));
    // We just hashed these exact bytes in a file only we could write: no need to verify again.
    await this.state?.set(dst, tmpStat, info.hash, { exclusive: true });
    return true;
  }

  /**
   * Store a directory: every file of its manifest, then the manifest object. The manifest goes
   * last so that a present manifest implies its files are present (a crash leaves no half dir).
   * Returns the number of file objects added.
   */
  async addDir(absDir: string, manifest: Manifest, info: HashInfo, concurrency = 4): Promise<number> {
    const expected = manifestHashInfo(manifest);
    if (expected.hash !== info.hash) {
      throw new Error(`addDir: manifest hashes to ${expected.hash}, not ${info.hash}`);
    }
    // One source file per distinct content: identical files are one object, copied once.
    const firstByHash = new Map<string, ManifestEntry>();
    for (const e of manifest) if (!firstByHash.has(e.hash)) firstByHash.set(e.hash, e);
    const limit = createLimiter(concurrency);
    const added = await Promise.all(
      [...firstByHash.values()].map((e) =>
        limit(() => this.addFile(join(absDir, ...e.relpath.split('/')), { hash: e.hash, size: e.size })),
      ),
    );
    if (!(await this.has(info.hash))) {
      const dst = this.objectPath(info.hash);
      await writeFileAtomic(dst, serializeManifest(manifest), OBJECT_MODE).catch(rethrowAsCacheError(dst));
    }
    return added.filter(Boolean).length;
  }

  /** Read a directory's manifest object, checking its bytes against its name. */
  async readManifest(hash: string): Promise<ManifestEntry[]> {
    if (!isDirHash(hash)) throw new Error(`readManifest given a file hash ${hash}`);
    const p = this.objectPath(hash);
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UserError(`directory manifest ${hash} is missing from the cache (${p})`);
      }
      throw e;
    }
    const actual = blake3Hex(text) + DIR_SUFFIX;
    if (actual !== hash) {
      throw new UserError(`cache object ${p} is damaged: its content hashes to ${actual}, not ${hash}`);
    }
    return parseManifest(text, p);
  }

  /**
   * Compare an object's bytes with its name. File objects go through the state cache when one
   * is attached: an object verified earlier and untouched since is not read again.
   */
  async checkObject(hash: string): Promise<ObjectCheck> {
    const p = this.objectPath(hash);
    if (isDirHash(hash)) {
      let text: Buffer;
      try {
        text = await readFile(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
        throw e;
      }
      const actual = blake3Hex(text) + DIR_SUFFIX;
      return actual === hash ? { status: 'ok' } : { status: 'damaged', actual };
    }
    const since = Date.now();
    let st;
    try {
      st = await stat(p, { bigint: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
      throw e;
    }
    const remembered = await this.state?.get(p, st);
    let actual = remembered;
    if (actual === undefined) {
      actual = (await hashFile(p)).hash;
      const after = await stat(p, { bigint: true });
      if (after.mtimeNs === st.mtimeNs && after.size === st.size && after.ino === st.ino) {
        await this.state?.set(p, st, actual, { hashedSinceMs: since });
      }
    }
    return actual === hash ? { status: 'ok' } : { status: 'damaged', actual };
  }

  /** True when the object exists and its bytes hash to its name. */
  async verify(hash: string): Promise<boolean> {
    return (await this.checkObject(hash)).status === 'ok';
  }

  /** Every object name in the cache (files and `.dir` manifests), for gc and fsck. */
  async list(): Promise<string[]> {
    let prefixes: string[];
    try {
      prefixes = await readdir(this.objectsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const perPrefix = await Promise.all(
      prefixes
        .filter((p) => /^[0-9a-f]{2}$/.test(p))
        .map(async (prefix) => {
          const names = await readdir(join(this.objectsDir, prefix));
          // Temp files start with a dot; anything else foreign is not an object either.
          return names.map((n) => prefix + n).filter(isObjectHash);
        }),
    );
    return perPrefix.flat().sort();
  }

  /** Bytes an object takes on disk. */
  async size(hash: string): Promise<number> {
    return (await stat(this.objectPath(hash))).size;
  }

  /** Delete an object (gone already is fine), and its prefix directory when that empties it. */
  async remove(hash: string): Promise<void> {
    await removeFileAndEmptyParent(this.objectPath(hash), this.objectsDir);
  }

  /** Temp files a killed writer left in the object directory (absolute paths, sorted). */
  async leftovers(): Promise<string[]> {
    let prefixes;
    try {
      prefixes = await readdir(this.objectsDir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const found: string[] = [];
    for (const p of prefixes) {
      const abs = join(this.objectsDir, p.name);
      if (!p.isDirectory()) {
        if (isTempName(p.name)) found.push(abs);
      } else if (/^[0-9a-f]{2}$/.test(p.name)) {
        for (const name of await readdir(abs)) if (!isObjectHash(p.name + name) && isTempName(name)) found.push(join(abs, name));
      }
    }
    return found.sort();
  }

  /** Delete a leftover temp file that `leftovers()` listed; nothing outside the object directory. */
  async removeLeftover(path: string): Promise<void> {
    const abs = resolve(path);
    if (!abs.startsWith(this.objectsDir + sep) || !isTempName(basename(abs))) throw new UserError(`not a leftover temp file of the cache: ${path}`);
    await removeFileAndEmptyParent(abs, this.objectsDir);
  }
}

/** The shape of engine/util/atomic.ts tempPathFor names: `.<name>.<pid>.<hex>.tmp`. */
function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** What to do when the cache cannot be written, by errno code (the generic hint otherwise). */
const CACHE_HINTS: Readonly<Record<string, string>> = {
  EACCES: 'check the permissions of .dvc-ts/cache',
  EPERM: 'check the permissions (and attributes, `lsattr`) of .dvc-ts/cache',
  EROFS: 'remount .dvc-ts/cache read-write',
  ENOSPC: 'the disk is full: free space (`dvc-ts gc` removes cache objects no revision uses)',
};

/**
 * Turn an environment error while writing the object `dst` into a UserError naming the object
 * and the cause (a temp name would mean nothing to the user); rethrow anything else.
 */
function rethrowAsCacheError(dst: string): (e: unknown) => never {
  return (e) => {
    // writeFileAtomic already names its target; the cause it wraps gets the cache's wording.
    const raw = isUserError(e) && e.cause !== undefined ? e.cause : e;
    const code = environmentErrorCode(raw);
    if (code === undefined) throw e;
    rethrowEnvironmentError(raw, { action: 'write to the cache', path: dst, hint: CACHE_HINTS[code] });
  };
}

async function fsyncFile(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
