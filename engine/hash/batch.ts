import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HEX_DIGEST_LENGTH, newBlake3 } from './digest.js';
import { isRacy } from './state.js';

/**
 * Read size. One buffer per thread, reused for every file: a small file costs one open, one
 * fstat, one read and one close, with no promise and no allocation for its bytes.
 * 4 MiB: syscall and call overhead vanish next to hashing, and the buffer stays in cache.
 */
export const READ_BUFFER_BYTES = 4 * 1024 * 1024;

/** Why one file of a batch could not be hashed: the fields of the fs error. */
export interface BatchFileError {
  /** Position of the file in the batch. */
  index: number;
  message: string;
  code?: string;
  syscall?: string;
  path?: string;
}

/** `BatchDigest.outcome` of a file: it failed (see `errors`), or was hashed. */
export const FAILED = 0;
/** Hashed, but the digest must not be recorded in the state cache (see `hashFilesSync`). */
export const HASHED = 1;
/** Hashed, and its `stats` may be recorded with the digest in the state cache. */
export const HASHED_STABLE = 2;

/**
 * What hashing a batch of files found, in the order asked. One string and typed arrays, not an
 * object or a string per file: the batch crosses from a worker thread in one cheap message, and
 * the main thread makes only the strings it keeps.
 */
export interface BatchDigest {
  /** BLAKE3 hex digests, 64 characters per file (spaces for a failed file). */
  hashes: string;
  /** FAILED, HASHED or HASHED_STABLE per file. */
  outcome: Uint8Array;
  /** Bytes hashed per file. */
  sizes: Float64Array;
  /** Inode and mtime in ns per file (two slots each), as fstat saw them before the read. */
  stats: BigUint64Array;
  errors: BatchFileError[];
}

/** The hex digest of file `slot` of a batch. */
export function batchHash(batch: BatchDigest, slot: number): string {
  return batch.hashes.slice(slot * HEX_DIGEST_LENGTH, (slot + 1) * HEX_DIGEST_LENGTH);
}

const FAILED_HASH = ' '.repeat(HEX_DIGEST_LENGTH);

let buffer: Buffer | undefined;

/**
 * Read and hash files one after another, synchronously: the body of a hashing worker, and of
 * the in-thread digester. Never throws for a file: its fs error goes into `errors`.
 *
 * A digest is marked stable (may be recorded with the stat taken before the read) when the
 * bytes read are as many as that stat said and its mtime is not racy. No second stat is needed:
 * a write during or after the read either changes the mtime, so the recorded stat never matches
 * again, or falls in the same clock tick as the recorded mtime, which is then recent enough to be
 * racy (state.ts). The time is taken before the open, as the racy check needs.
 */
export function hashFilesSync(paths: readonly string[]): BatchDigest {
  const n = paths.length;
  const outcome = new Uint8Array(n);
  const sizes = new Float64Array(n);
  const stats = new BigUint64Array(2 * n);
  const errors: BatchFileError[] = [];
  let hashes = '';
  const buf = (buffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
  const hasher = newBlake3();
  for (let i = 0; i < n; i++) {
    const since = Date.now();
    let fd = -1;
    try {
      fd = openSync(paths[i]!, 'r');
      const st = fstatSync(fd, { bigint: true });
      const expected = Number(st.size);
      hasher.reset();
      let size = 0;
      for (;;) {
        const got = readSync(fd, buf, 0, buf.length, size);
        if (got === 0) break;
        hasher.update(got === buf.length ? buf : buf.subarray(0, got));
        size += got;
        // A short read that reaches the size fstat saw is the end: no second read to learn it.
        if (got < buf.length && size === expected) break;
      }
      hashes += hasher.digest('hex');
      sizes[i] = size;
      stats[2 * i] = st.ino;
      stats[2 * i + 1] = st.mtimeNs;
      outcome[i] = size === expected && !isRacy(st.mtimeNs, since) ? HASHED_STABLE : HASHED;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (hashes.length < (i + 1) * HEX_DIGEST_LENGTH) hashes += FAILED_HASH;
      errors.push({ index: i, message: err.message, code: err.code, syscall: err.syscall, path: err.path ?? paths[i] });
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
  return { hashes, outcome, sizes, stats, errors };
}

/** The fs error of one file of a batch, rebuilt with its errno fields (see errors.ts). */
export function batchFileError(e: BatchFileError): NodeJS.ErrnoException {
  return Object.assign(new Error(e.message), { code: e.code, syscall: e.syscall, path: e.path });
}

/**
 * Reads and hashes batches of files. A batch's per-file failures are in its result; a rejection
 * means the whole batch failed (a worker thread died).
 */
export interface BatchDigester {
  /** Batches worked on at once: work is cut into at least a few batches per slot. */
  readonly parallelism: number;
  /** `lone`: the caller has no other batch to send now (nothing to spread over threads). */
  digestBatch(paths: readonly string[], lone?: boolean): Promise<BatchDigest>;
}

/**
 * Hashes on this thread, one batch per turn of the event loop (a batch of small files takes a
 * few ms; a batch is never more than one large file or 64 MiB, see `planBatches`). Used where
 * there is one core: a worker thread would only add its start-up.
 */
export class InThreadDigester implements BatchDigester {
  readonly parallelism = 1;
  private queue: Promise<unknown> = Promise.resolve();

  digestBatch(paths: readonly string[]): Promise<BatchDigest> {
    const run = this.queue.then(
      () =>
        new Promise<BatchDigest>((resolve, reject) =>
          setImmediate(() => {
            try {
              resolve(hashFilesSync(paths));
            } catch (e) {
              reject(e as Error);
            }
          }),
        ),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Files per batch at most: one message per few hundred files, a few ms of work. */
export const MAX_BATCH_FILES = 512;
/** Bytes per batch at most (by the sizes known beforehand), so big files spread over workers. */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;

/** Bytes below which a batch is not cut further to spread work: a message costs more. */
const MIN_SPREAD_BYTES = 1024 * 1024;

/**
 * Cut files into batches (pure), so every slot of the digester gets several batches (a few big
 * files spread over the workers) and no batch is large: at most MAX_BATCH_FILES files and
 * MAX_BATCH_BYTES by the sizes known beforehand (a larger file is a batch of its own). Without
 * sizes, the count is spread. Returns the end index of each batch.
 */
export function planBatches(count: number, parallelism: number, sizeOf?: (i: number) => number): number[] {
  const slices = parallelism * 4;
  let perBatch = Math.min(MAX_BATCH_FILES, Math.ceil(count / slices));
  let bytesPerBatch = MAX_BATCH_BYTES;
  if (sizeOf) {
    let total = 0;
    for (let i = 0; i < count; i++) total += sizeOf(i);
    perBatch = MAX_BATCH_FILES;
    bytesPerBatch = Math.min(MAX_BATCH_BYTES, Math.max(MIN_SPREAD_BYTES, Math.ceil(total / slices)));
  }
  const ends: number[] = [];
  let files = 0;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const size = sizeOf?.(i) ?? 0;
    if (files > 0 && (files >= perBatch || bytes + size > bytesPerBatch)) {
      ends.push(i);
      files = 0;
      bytes = 0;
    }
    files++;
    bytes += size;
  }
  if (files > 0) ends.push(count);
  return ends;
}

/**
 * Hash files through `digester`, cut into batches (see planBatches); `each(i, batch, slot)` is
 * called for file i, found at `slot` of its batch (`batch.outcome[slot] === FAILED` when it
 * failed: its error is in `batch.errors`). Rejects when a batch fails or `each` throws.
 */
export async function digestInBatches(
  digester: BatchDigester,
  paths: readonly string[],
  sizeOf: ((i: number) => number) | undefined,
  each: (index: number, batch: BatchDigest, slot: number) => void,
): Promise<void> {
  const ends = planBatches(paths.length, digester.parallelism, sizeOf);
  const lone = ends.length === 1 || (sizeOf !== undefined && !worthSpreading(ends, sizeOf));
  let start = 0;
  await Promise.all(
    ends.map((end) => {
      const first = start;
      start = end;
      return digester.digestBatch(paths.slice(first, end), lone).then((batch) => {
        for (let slot = 0; slot < end - first; slot++) each(first + slot, batch, slot);
      });
    }),
  );
}

/** Whether at least two batches hold real work (a big file and a few small ones do not). */
function worthSpreading(ends: readonly number[], sizeOf: (i: number) => number): boolean {
  let substantial = 0;
  let start = 0;
  for (const end of ends) {
    let bytes = 0;
    for (let i = start; i < end; i++) bytes += sizeOf(i);
    if (bytes >= MIN_SPREAD_BYTES && ++substantial >= 2) return true;
    start = end;
  }
  return false;
}
