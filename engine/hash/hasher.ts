import { statSync, type BigIntStats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { HashInfo } from '../types.js';
import { UserError } from '../errors.js';
import { batchFileError, batchHash, digestInBatches, FAILED, HASHED_STABLE, InThreadDigester, type BatchDigester } from './batch.js';
import { hashDir, type ManifestEntry, type ReadFiles } from './dir.js';
import type { FileDigest } from './file.js';
import type { StateCache } from './state.js';

export interface HasherOptions {
  /**
   * Reads and hashes batches of files (default: on this thread, one batch per turn of the event
   * loop). Where there are several cores, repo.ts passes a pool of worker threads.
   */
  digester?: BatchDigester;
}

/** The latest hashing of a directory, kept so the cache can store it without rehashing. */
export interface DirSnapshot {
  info: HashInfo;
  manifest: readonly ManifestEntry[];
}

/** A single file waiting for the next batch. */
interface WaitingFile {
  abs: string;
  size: number;
  resolve: (d: FileDigest) => void;
  reject: (e: Error) => void;
}

/**
 * Hashes workspace paths (files and directories) through the state cache: an unchanged file is
 * answered from the state, a changed or new one is read and hashed. Files are read in batches
 * (a directory's misses at once; single files asked for in the same turn of the event loop
 * together), so 100,000 small files cost a few hundred messages, not 100,000 promises and
 * thread-pool round trips.
 */
export class Hasher {
  readonly root: string;
  readonly state: StateCache;
  /** Files actually read and hashed (state misses). */
  filesHashed = 0;

  private readonly digester: BatchDigester;
  private readonly inFlight = new Map<string, Promise<FileDigest>>();
  private readonly dirsInFlight = new Map<string, Promise<HashInfo>>();
  private readonly dirSnapshots = new Map<string, DirSnapshot>();
  private waiting: WaitingFile[] = [];

  constructor(root: string, state: StateCache, options: HasherOptions = {}) {
    this.root = resolve(root);
    this.state = state;
    this.digester = options.digester ?? new InThreadDigester();
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
    const abs = this.absPath(relPath);
    const st = statOrUndefined(abs);
    if (st === undefined) return undefined;
    if (st.isDirectory()) return this.hashDirShared(relPath, abs);
    if (!st.isFile()) throw new UserError(`${relPath} is neither a file nor a directory and cannot be hashed`);
    const hash = this.inFlight.has(abs) ? undefined : this.state.getLoaded(abs, st);
    if (hash !== undefined) return { hash, size: Number(st.size) };
    try {
      const d = await this.readFile(abs, Number(st.size));
      return { hash: d.hash, size: d.size };
    } catch (e) {
      // Deleted between the stat and the read: nothing is there.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
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

  /** The manifest from the most recent `hashPath` of this directory in this process. */
  lastDirSnapshot(relPath: string): DirSnapshot | undefined {
    return this.dirSnapshots.get(relPath);
  }

  /** Concurrent hashings of one directory share one listing and one read of each file. */
  private hashDirShared(relPath: string, abs: string): Promise<HashInfo> {
    let pending = this.dirsInFlight.get(relPath);
    if (!pending) {
      // No worker is started ahead of the listing: one costs about a tenth of a CPU-second,
      // more than hashing a small directory, and digestInBatches starts them once the listing
      // shows enough work to spread.
      pending = hashDir(abs, { known: this.knownDigest, readFiles: this.readDirFiles })
        .then(({ info, manifest }) => {
          this.dirSnapshots.set(relPath, { info, manifest });
          return info;
        })
        .finally(() => this.dirsInFlight.delete(relPath));
      this.dirsInFlight.set(relPath, pending);
    }
    return pending;
  }

  /** A directory file's digest when the state cache answers it (it stats only when there is an entry). */
  private readonly knownDigest = (abs: string): FileDigest | undefined => (this.inFlight.has(abs) ? undefined : this.state.lookupLoaded(abs, fileStatOrUndefined));

  private readonly readDirFiles: ReadFiles = (absPaths, found) =>
    this.readThroughState(absPaths, undefined, (i, hash, size, error) => {
      if (!error) return found(i, hash, size);
      // Deleted after the listing: not part of the directory any more.
      if (error.code !== 'ENOENT') throw error;
    });

  /** One file, read in the next batch with the others asked for in this turn of the event loop. */
  private readFile(abs: string, size: number): Promise<FileDigest> {
    let pending = this.inFlight.get(abs);
    if (!pending) {
      pending = new Promise<FileDigest>((resolve, reject) => {
        this.waiting.push({ abs, size, resolve, reject });
        if (this.waiting.length === 1) setImmediate(() => this.readWaiting());
      }).finally(() => this.inFlight.delete(abs));
      this.inFlight.set(abs, pending);
    }
    return pending;
  }

  private readWaiting(): void {
    const files = this.waiting;
    this.waiting = [];
    const paths = files.map((f) => f.abs);
    this.readThroughState(paths, (i) => files[i]!.size, (i, hash, size, error) => {
      if (error) files[i]!.reject(error);
      else files[i]!.resolve({ hash, size });
    }).catch((e: Error) => {
      for (const f of files) f.reject(e);
    });
  }

  /**
   * Read and hash files in batches, recording each digest in the state cache when the reader
   * found it stable (batch.ts), else forgetting the path; `each` gets the digest or the fs error.
   */
  private readThroughState(
    absPaths: readonly string[],
    sizeOf: ((i: number) => number) | undefined,
    each: (index: number, hash: string, size: number, error?: NodeJS.ErrnoException) => void,
  ): Promise<void> {
    return digestInBatches(this.digester, absPaths, sizeOf, (i, batch, slot) => {
      const outcome = batch.outcome[slot];
      if (outcome === FAILED) return each(i, '', 0, batchFileError(batch.errors.find((e) => e.index === slot)!));
      const hash = batchHash(batch, slot);
      const size = batch.sizes[slot]!;
      this.filesHashed++;
      if (outcome === HASHED_STABLE) this.state.recordLoaded(absPaths[i]!, String(batch.stats[2 * slot]), String(batch.stats[2 * slot + 1]), size, hash);
      else this.state.forgetLoaded(absPaths[i]!);
      each(i, hash, size);
    });
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

function fileStatOrUndefined(abs: string): BigIntStats | undefined {
  const st = statOrUndefined(abs);
  return st?.isFile() ? st : undefined;
}
