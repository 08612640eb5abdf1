// The request log: JSON lines appended to one file per service process, so two services never
// interleave in a file. Lines are written by one writer in order, many at a time (group commit):
// a request's promise resolves once its line is in the file, and the service answers only then,
// so every answered prediction is logged (a crash of the machine may still lose what the OS had
// not yet written to disk: no fsync per request). A line is only ever written whole.

import { ftruncateSync, writeSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class JsonLinesLog {
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  /** Lines written so far, and their bytes (this process is the file's only writer). */
  lines = 0;
  private bytes = 0;

  private constructor(readonly file: string, private readonly handle: FileHandle) {}

  /** A new log file in `dir`: requests-<UTC start time>-<pid>.jsonl. */
  static async create(dir: string, now = new Date()): Promise<JsonLinesLog> {
    await mkdir(dir, { recursive: true });
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const file = join(dir, `requests-${stamp}-${process.pid}.jsonl`);
    // 'ax': append, and fail rather than share a file another process writes.
    return new JsonLinesLog(file, await open(file, 'ax'));
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
      for (let at = 0; at < data.length;) at += writeSync(this.handle.fd, data, at);
    } catch (e) {
      // A partial write (disk full…) is cut off again, so no torn line stays in the file.
      try {
        ftruncateSync(this.handle.fd, this.bytes);
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
    await this.handle.close();
  }
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}
