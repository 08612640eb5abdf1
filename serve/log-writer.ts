// The request log: JSON lines appended to one file per service process, so two services never
// interleave in a file. Lines are written by one writer in order, many at a time (group commit):
// a request's promise resolves once its line is in the file, and the service answers only then,
// so every answered prediction is logged (a crash of the machine may still lose what the OS had
// not yet written to disk: no fsync per request). A line is only ever written whole.

import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class JsonLinesLog {
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  /** Lines written so far. */
  lines = 0;

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
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const text = this.pending.join('');
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.handle.writeFile(text);
        this.lines += countLines(text);
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.writing = undefined;
  }

  /** Write what is pending, then close the file. Later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await this.handle.close();
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
