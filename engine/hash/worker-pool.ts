import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileDigest, FileDigester } from './file.js';

interface Job {
  path: string;
  resolve: (d: FileDigest) => void;
  reject: (e: Error) => void;
}

/** What a worker answers for one path (see worker.ts): a digest, or the error's fields. */
interface Reply {
  hash?: string;
  size?: number;
  error?: string;
  code?: string;
  syscall?: string;
  path?: string;
}

export interface WorkerPoolOptions {
  /** Workers at most (default: one per core). */
  size?: number;
  /**
   * The worker script (default ./worker.js). Tests pass one that fails on purpose; it must
   * answer each path it receives with a Reply.
   */
  workerUrl?: URL;
}

/**
 * Hashes files on worker threads, one file per worker at a time, so a directory of large files
 * uses every core (BLAKE3 runs at several GB/s per core: one core is the bottleneck on a warm
 * page cache). Workers start lazily and are unref'd when idle, so they never keep the process
 * alive. Small files stay on the main thread: a message round trip costs more than hashing them.
 *
 * A worker that fails (an uncaught exception, an exit, running out of memory) rejects the job
 * it was running, and only that one; it is dropped and the next job starts a fresh worker.
 */
export class WorkerPoolDigester implements FileDigester {
  private readonly idle: Worker[] = [];
  /** Every live worker and the job it is hashing (undefined while idle). */
  private readonly jobOf = new Map<Worker, Job | undefined>();
  private readonly queue: Job[] = [];
  private readonly size: number;
  private readonly workerUrl: URL;
  private closed = false;

  /** `options` may be just the size. */
  constructor(options: WorkerPoolOptions | number = {}) {
    const opts = typeof options === 'number' ? { size: options } : options;
    this.size = Math.max(1, opts.size ?? availableParallelism());
    this.workerUrl = opts.workerUrl ?? new URL('./worker.js', import.meta.url);
  }

  /** Workers alive now (for tests and diagnostics). */
  get workers(): number {
    return this.jobOf.size;
  }

  digest(absPath: string): Promise<FileDigest> {
    if (this.closed) return Promise.reject(new Error('the hashing worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ path: absPath, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let worker = this.idle.pop();
      if (!worker && this.jobOf.size < this.size) worker = this.spawn();
      if (!worker) return;
      const job = this.queue.shift()!;
      this.jobOf.set(worker, job);
      worker.ref();
      worker.postMessage(job.path);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(this.workerUrl);
    worker.unref();
    this.jobOf.set(worker, undefined);
    worker.on('message', (reply: Reply) => {
      const job = this.jobOf.get(worker);
      if (!job) return;
      this.jobOf.set(worker, undefined);
      worker.unref();
      this.idle.push(worker);
      if (reply.error !== undefined) {
        // Rebuilt with its errno fields, so a permission error reads as one (see errors.ts).
        job.reject(Object.assign(new Error(reply.error), { code: reply.code, syscall: reply.syscall, path: reply.path ?? job.path }));
      } else {
        job.resolve({ hash: reply.hash!, size: reply.size! });
      }
      this.pump();
    });
    worker.on('error', (e) => this.retire(worker, e));
    worker.on('exit', (code) => this.retire(worker, new Error(`the hashing worker exited with code ${code}`)));
    return worker;
  }

  /** Drop a worker that failed or exited; its job, if any, fails with `why`. */
  private retire(worker: Worker, why: Error): void {
    if (!this.jobOf.has(worker)) return; // 'exit' after 'error': already retired
    const job = this.jobOf.get(worker);
    this.jobOf.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    void worker.terminate();
    if (job) job.reject(Object.assign(new Error(`hashing ${job.path} failed: ${why.message}`), { cause: why }));
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.jobOf.keys()];
    for (const job of this.queue.splice(0)) job.reject(new Error('the hashing worker pool is closed'));
    await Promise.all(workers.map((w) => w.terminate()));
    this.idle.length = 0;
  }
}
