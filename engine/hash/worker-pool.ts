import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { batchFileError, batchHash, InThreadDigester, type BatchDigest, type BatchDigester } from './batch.js';
import type { FileDigest } from './file.js';

interface Job {
  paths: readonly string[];
  resolve: (d: BatchDigest) => void;
  reject: (e: Error) => void;
}

export interface WorkerPoolOptions {
  /** Workers at most (default: one per core). */
  size?: number;
  /**
   * The worker script (default ./worker.js). Tests pass one that fails on purpose; it must
   * answer each batch of paths it receives with a BatchDigest.
   */
  workerUrl?: URL;
}

/**
 * Hashes batches of files on worker threads, one batch per worker at a time, so hashing uses
 * every core (BLAKE3 runs at several GB/s per core, and each small file costs a few system
 * calls: one core is the bottleneck on a warm page cache). A worker reads synchronously into one
 * reused buffer; a batch of hundreds of small files is one message each way. Workers start
 * lazily and are unref'd when idle, so they never keep the process alive.
 *
 * A worker that fails (an uncaught exception, an exit, running out of memory) rejects the batch
 * it was running, and only that one; it is dropped and the next batch starts a fresh worker.
 */
export class WorkerPoolDigester implements BatchDigester {
  private readonly idle: Worker[] = [];
  /** Every live worker and the job it is hashing (undefined while idle). */
  private readonly jobOf = new Map<Worker, Job | undefined>();
  private readonly queue: Job[] = [];
  private readonly size: number;
  private readonly workerUrl: URL;
  private closed = false;
  private readonly inThread = new InThreadDigester();

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

  get parallelism(): number {
    return this.size;
  }

  /**
   * A lone batch while no worker is up is hashed on this thread: starting a worker (25–50 ms)
   * costs more than it frees when there is nothing to spread (one big file, a few small ones).
   * The event loop then waits for it (about 0.2 s per GiB).
   */
  digestBatch(paths: readonly string[], lone = false): Promise<BatchDigest> {
    if (this.closed) return Promise.reject(new Error('the hashing worker pool is closed'));
    if (lone && this.jobOf.size === 0) return this.inThread.digestBatch(paths);
    return new Promise((resolve, reject) => {
      this.queue.push({ paths, resolve, reject });
      this.pump();
    });
  }

  /** Start the workers now, idle, so their start-up overlaps what the caller does before hashing. */
  warm(): void {
    while (!this.closed && this.jobOf.size < this.size) this.idle.push(this.spawn());
  }

  /** One file: a batch of one; rejects with the file's fs error (ENOENT, EISDIR, …). */
  async digest(absPath: string): Promise<FileDigest> {
    const d = await this.digestBatch([absPath]);
    if (d.errors[0]) throw batchFileError(d.errors[0]);
    return { hash: batchHash(d, 0), size: d.sizes[0]! };
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let worker = this.idle.pop();
      if (!worker && this.jobOf.size < this.size) worker = this.spawn();
      if (!worker) return;
      const job = this.queue.shift()!;
      this.jobOf.set(worker, job);
      worker.ref();
      worker.postMessage(job.paths);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(this.workerUrl);
    worker.unref();
    this.jobOf.set(worker, undefined);
    worker.on('message', (reply: BatchDigest) => {
      const job = this.jobOf.get(worker);
      if (!job) return;
      this.jobOf.set(worker, undefined);
      worker.unref();
      this.idle.push(worker);
      job.resolve(reply);
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
    if (job) job.reject(Object.assign(new Error(`hashing ${describeBatch(job.paths)} failed: ${why.message}`), { cause: why }));
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

function describeBatch(paths: readonly string[]): string {
  return paths.length === 1 ? paths[0]! : `${paths[0]} and ${paths.length - 1} more files`;
}
