// The request log: JSON lines appended to files of this service process only, so two services
// never interleave in a file. Lines are written by one writer in order, many at a time (group
// commit): a request's promise resolves once its line is in the file, and the service answers
// only then, so every answered prediction is logged (a crash of the machine may still lose what
// the OS had not yet written to disk: no fsync per request). A line is only ever written whole,
// and a file is closed for a new one before it would grow past its size limit, so a long-lived
// service leaves files that can be moved, archived or removed one by one.

import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Default size at which a log file is closed and the next one opened. */
export const DEFAULT_LOG_MAX_BYTES = 64 * 1024 * 1024;

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface JsonLinesLogOptions {
  /** A file reaching this size is closed and a new one opened (default 64 MiB). */
  maxBytes?: number;
  /** The clock that names files (tests). */
  now?: () => Date;
  /** File names start with this (default `requests`; late labels use `labels`). */
  prefix?: string;
}

export class JsonLinesLog {
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  /** Lines written so far, over all files. */
  lines = 0;
  /** Bytes in the current file (this process is its only writer). */
  private bytes = 0;
  /** Files this process has opened, in order; the last is being written. */
  readonly files: string[] = [];
  private fd: number;
  private readonly maxBytes: number;
  private readonly now: () => Date;
  private readonly prefix: string;

  private constructor(private readonly dir: string, options: JsonLinesLogOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
    this.now = options.now ?? (() => new Date());
    this.prefix = options.prefix ?? 'requests';
    this.fd = this.openNext();
  }

  /** Logs in `dir`: <prefix>-<UTC time the file was opened>-<pid>[-<n>].jsonl. */
  static async create(dir: string, options: JsonLinesLogOptions = {}): Promise<JsonLinesLog> {
    mkdirSync(dir, { recursive: true });
    return new JsonLinesLog(dir, options);
  }

  /** The file being written now. */
  get file(): string {
    return this.files[this.files.length - 1]!;
  }

  private openNext(): number {
    const stamp = this.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const base = `${this.prefix}-${stamp}-${process.pid}`;
    // Two files opened within one second get a number; 'ax' fails rather than share a file.
    for (let n = 1; ; n++) {
      const file = join(this.dir, n === 1 ? `${base}.jsonl` : `${base}-${n}.jsonl`);
      try {
        const fd = openSync(file, 'ax');
        this.files.push(file);
        this.bytes = 0;
        return fd;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  /** Append records (one line each); resolves when they are in the file. */
  append(records: readonly unknown[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`request log ${this.file} is closed`));
    let text = '';
    for (const r of records) text += JSON.stringify(r) + '\n';
    return new Promise<void>((resolve, reject) => {
      this.pending.push(text);
      this.waiters.push({ resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Write everything appended during this turn of the event loop in one synchronous append:
   *  a page-cache write of a few KB takes microseconds, and skips a hop through libuv's thread
   *  pool (one more thread to wake on a busy machine) for every batch. */
  private flush(): void {
    this.scheduled = undefined;
    if (this.pending.length === 0) return;
    const data = Buffer.from(this.pending.join(''));
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      if (this.bytes > 0 && this.bytes + data.length > this.maxBytes) {
        const next = this.openNext();
        closeSync(this.fd);
        this.fd = next;
      }
      for (let at = 0; at < data.length;) at += writeSync(this.fd, data, at);
    } catch (e) {
      // A partial write (disk full…) is cut off again, so no torn line stays in the file.
      try {
        ftruncateSync(this.fd, this.bytes);
      } catch {
        // The file keeps a torn last line; ingest leaves an unfinished last line unread.
      }
      for (const w of waiters) w.reject(e);
      return;
    }
    this.bytes += data.length;
    this.lines += countLines(data);
    for (const w of waiters) w.resolve();
  }

  /** Write what is pending, then close the file. Later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearImmediate(this.scheduled);
    this.flush();
    closeSync(this.fd);
  }
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}
