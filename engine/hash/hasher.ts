import { stat } from 'node:fs/promises';
import { statSync, type BigIntStats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { HashInfo } from '../types.js';
import { UserError } from '../errors.js';
import { hashDir, type ManifestEntry } from './dir.js';
import { inThreadDigester, type FileDigest, type FileDigester } from './file.js';
import { createLimiter, type Limiter } from './limit.js';
import type { StateCache } from './state.js';

/** Files read at once: enough to keep libuv's 4 I/O threads and the disk queue busy. */
export const DEFAULT_HASH_CONCURRENCY = 8;

export interface HasherOptions {
  /** Files hashed at once (default 8). */
  concurrency?: number;
  /** Turns a file into its digest (default: on the main thread). */
  digester?: FileDigester;
  /** For files of LARGE_FILE_BYTES or more: a worker-thread pool, so big files use every core. */
  largeFileDigester?: FileDigester;
}

/** Below this, a file is hashed on the main thread: a worker round trip would cost more. */
export const LARGE_FILE_BYTES = 1024 * 1024;

/** The latest hashing of a directory, kept so the cache can store it without rehashing. */
export interface DirSnapshot {
  info: HashInfo;
  manifest: readonly ManifestEntry[];
}

/**
 * Hashes workspace paths (files and directories) through the state cache: an unchanged file is
 * answered from the state, a changed or new one is streamed through BLAKE3. All file reads of a
 * Hasher share one concurrency bound, however many paths are hashed at once.
 */
export class Hasher {
  readonly root: string;
  readonly state: StateCache;
  /** Files actually read and hashed (state misses). */
  filesHashed = 0;

  private readonly limit: Limiter;
  private readonly digester: FileDigester;
  private readonly largeFileDigester: FileDigester;
  private readonly inFlight = new Map<string, Promise<FileDigest>>();
  private readonly dirSnapshots = new Map<string, DirSnapshot>();

  /** `options` may be just the concurrency. */
  constructor(root: string, state: StateCache, options: HasherOptions | number = {}) {
    const opts = typeof options === 'number' ? { concurrency: options } : options;
    this.root = resolve(root);
    this.state = state;
    this.limit = createLimiter(opts.concurrency ?? DEFAULT_HASH_CONCURRENCY);
    this.digester = opts.digester ?? inThreadDigester;
    this.largeFileDigester = opts.largeFileDigester ?? this.digester;
  }

  /** Absolute path of a repository-relative POSIX path (a dep outside the repository may be absolute already). */
  absPath(relPath: string): string {
    if (isAbsolute(relPath)) return relPath;
    return join(this.root, ...relPath.split('/'));
  }

  /**
   * Hash a repository-relative file or directory; undefined when nothing is there.
   * For a directory the manifest is kept: see `lastDirSnapshot`.
   */
  async hashPath(relPath: string): Promise<HashInfo | undefined> {
    await this.state.load();
    const quick = this.hashPathSync(relPath);
    if (quick !== NOT_KNOWN) return quick;
    const abs = this.absPath(relPath);
    const st = statOrUndefined(abs);
    if (st === undefined) return undefined;
    if (st.isDirectory()) {
      const { info, manifest } = await hashDir(abs, {
        hashFile: (fileAbs) => this.hashFileCached(fileAbs),
        hashFileSync: (fileAbs) => this.cachedDigestSync(fileAbs),
      });
      this.dirSnapshots.set(relPath, { info, manifest });
      return info;
    }
    if (st.isFile()) {
      const d = await this.hashFileCached(abs, st);
      return { hash: d.hash, size: d.size };
    }
    throw new UserError(`${relPath} is neither a file nor a directory and cannot be hashed`);
  }

  /**
   * The warm path of a no-op check, without a promise: a missing path (undefined) or a file the
   * state cache answers; NOT_KNOWN when the file must be read or the path is a directory. The
   * state must be loaded (`state.load()`), else every file is NOT_KNOWN.
   */
  hashPathSync(relPath: string): HashInfo | undefined | typeof NOT_KNOWN {
    const abs = this.absPath(relPath);
    const st = statOrUndefined(abs);
    if (st === undefined) return undefined;
    if (!st.isFile()) return NOT_KNOWN;
    const hash = this.inFlight.has(abs) ? undefined : this.state.getLoaded(abs, st, false);
    return hash === undefined ? NOT_KNOWN : { hash, size: Number(st.size) };
  }

  /** A file's digest when the state cache answers it (one synchronous stat), else undefined. */
  cachedDigestSync(absPath: string): FileDigest | undefined {
    if (this.inFlight.has(absPath)) return undefined;
    const st = statOrUndefined(absPath);
    if (st === undefined || !st.isFile()) return undefined;
    const hash = this.state.getLoaded(absPath, st, false);
    return hash === undefined ? undefined : { hash, size: Number(st.size) };
  }

  /** The manifest from the most recent `hashPath` of this directory in this process. */
  lastDirSnapshot(relPath: string): DirSnapshot | undefined {
    return this.dirSnapshots.get(relPath);
  }

  /**
   * Hash one file by absolute path, answered from the state cache when its inode, mtime and size
   * are unchanged. Concurrent requests for the same path share one read.
   */
  hashFileCached(absPath: string, known?: BigIntStats): Promise<FileDigest> {
    const key = resolve(absPath);
    let pending = this.inFlight.get(key);
    if (!pending) {
      // `known`: a stat the caller just took, so an unchanged file costs one stat, not two.
      pending = this.limit(() => this.hashThroughState(key, known)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async hashThroughState(abs: string, statted?: BigIntStats): Promise<FileDigest> {
    const since = Date.now();
    const before = statted ?? (await stat(abs, { bigint: true }));
    const known = await this.state.get(abs, before);
    if (known !== undefined) return { hash: known, size: Number(before.size) };
    const size = Number(before.size);
    const digest = await (size >= LARGE_FILE_BYTES ? this.largeFileDigester : this.digester).digest(abs, size);
    this.filesHashed++;
    // Record only when the file held still while it was read; otherwise the digest may mix
    // two versions and must not be trusted next time.
    const after = await stat(abs, { bigint: true });
    if (sameStat(before, after) && BigInt(digest.size) === after.size) {
      await this.state.set(abs, after, digest.hash, { hashedSinceMs: since });
    }
    return digest;
  }
}

/** Returned by `hashPathSync` when only the asynchronous path can answer. */
export const NOT_KNOWN: unique symbol = Symbol('not known');

/** A synchronous stat (following symlinks): no promise and no thread-pool round trip per file. */
function statOrUndefined(abs: string): BigIntStats | undefined {
  try {
    return statSync(abs, { bigint: true, throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

function sameStat(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.size === b.size && a.ctimeNs === b.ctimeNs;
}
