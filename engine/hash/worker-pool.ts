import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { batchFileError, batchHash, InThreadDigester, type BatchDigest, type BatchDigester } from './batch.js';
import type { FileDigest } from './file.js';
import { WORKER_READY } from './worker-protocol.js';

interface Job {
  paths: readonly string[];
  resolve: (d: BatchDigest) => void;
  reject: (e: Error) => void;
}

export interface WorkerPoolOptions {
  /** Workers at most (default: one per core). */
  size?: number;
  /**
   * The worker script (default ./worker.js). Tests pass one that fails on purpose; it must post
   * WORKER_READY once loaded, then answer each batch of paths it receives with a BatchDigest.
   */
  workerUrl?: URL;
  /**
   * The calling thread hashes queued batches too, whenever it is free: no core waits while the
   * workers start (70–150 ms each on a 2-core VM, as long as node's own start-up), and `size`
   * workers plus this thread use `size + 1` cores.
   */
  mainThread?: boolean;
  /**
   * With `mainThread`: how much queued work this thread hashes before it starts the workers
   * (default 32 MiB or 1,024 files). A worker costs about a tenth of a CPU-second to start, more
   * than hashing a small directory takes, so small work never starts one; large work starts
   * them after its first batches.
   */
  warmAfter?: { bytes: number; files: number };
}

const WARM_AFTER = { bytes: 32 * 1024 * 1024, files: 1024 };

/**
 * The digester for this machine: on one core, hashing stays on this thread (undefined: the
 * Hasher's default); on several, one worker per core but one, and this thread helps.
 */
export function digesterForThisMachine(): WorkerPoolDigester | undefined {
  const cores = availableParallelism();
  return cores > 1 ? new WorkerPoolDigester({ size: cores - 1, mainThread: true }) : undefined;
}

/** node:worker_threads, loaded when the first worker starts: a no-op check starts none (3 ms saved). */
function workerThreads(): typeof import('node:worker_threads') {
  return createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
}

/**
 * Hashes batches of files on worker threads, one batch per worker at a time, so hashing uses
 * every core (BLAKE3 runs at several GB/s per core, and each small file costs a few system
 * calls: one core is the bottleneck on a warm page cache). A worker reads synchronously into one
 * reused buffer; a batch of hundreds of small files is one message each way. Workers start
 * lazily, get work only once they say they are ready (their modules loaded), and are unref'd
 * when idle, so they never keep the process alive. With `mainThread`, this thread takes queued
 * batches too, one per turn of the event loop, so workers' replies are handled between them.
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
  private readonly mainThread: boolean;
  /** This thread is hashing a batch (mainThread only). */
  private mainBusy = false;
  private readonly warmAfter: { bytes: number; files: number };
  /** What this thread hashed since the queue was last empty (mainThread only). */
  private readonly hashedHere = { bytes: 0, files: 0 };
  /** Workers that said they are ready (the others are still loading). */
  private readonly ready = new Set<Worker>();
  /** Why a worker died before it was ready: then no more are started. */
  private startFailure: Error | undefined;
  private closed = false;
  private readonly inThread = new InThreadDigester();
  /** Batches this thread hashed (mainThread only; for tests and diagnostics). */
  batchesHashedHere = 0;

  /** `options` may be just the size. */
  constructor(options: WorkerPoolOptions | number = {}) {
    const opts = typeof options === 'number' ? { size: options } : options;
    this.size = Math.max(1, opts.size ?? availableParallelism());
    // '../hash/', not './': the same from dist/engine/hash/ and from a CLI chunk in dist/engine/bin/.
    this.workerUrl = opts.workerUrl ?? new URL('../hash/worker.js', import.meta.url);
    this.mainThread = opts.mainThread ?? false;
    this.warmAfter = opts.warmAfter ?? WARM_AFTER;
  }

  /** Workers alive now (for tests and diagnostics). */
  get workers(): number {
    return this.jobOf.size;
  }

  /** Workers that finished loading (for tests and diagnostics). */
  get readyWorkers(): number {
    return this.ready.size;
  }

  get parallelism(): number {
    return this.mainThread ? this.size + 1 : this.size;
  }

  /**
   * A lone batch while no worker is up is hashed on this thread: starting a worker (25–100 ms)
   * costs more than it frees when there is nothing to spread (one big file, a few small ones).
   * The event loop then waits for it (about 0.2 s per GiB). Other batches start the workers.
   */
  digestBatch(paths: readonly string[], lone = false): Promise<BatchDigest> {
    if (this.closed) return Promise.reject(new Error('the hashing worker pool is closed'));
    if (lone && this.jobOf.size === 0 && !this.mainThread) return this.inThread.digestBatch(paths);
    return new Promise((resolve, reject) => {
      const job = { paths, resolve, reject };
      // Alone, this thread would only wait for the worker: it hashes the batch itself.
      if (lone && this.mainThread && !this.mainBusy && this.queue.length === 0) return this.hashHere(job);
      this.queue.push(job);
      if (!lone && !this.mainThread) this.warm();
      this.failWaitingIfNoWorkerCanStart();
      this.pump();
    });
  }

  /** Start the workers now, so their start-up overlaps what the caller does before hashing. */
  warm(): void {
    while (!this.closed && !this.startFailure && this.jobOf.size < this.size) this.spawn();
  }

  /** One file: a batch of one; rejects with the file's fs error (ENOENT, EISDIR, …). */
  async digest(absPath: string): Promise<FileDigest> {
    const d = await this.digestBatch([absPath]);
    if (d.errors[0]) throw batchFileError(d.errors[0]);
    return { hash: batchHash(d, 0), size: d.sizes[0]! };
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const worker = this.idle.pop();
      if (worker) {
        const job = this.queue.shift()!;
        this.jobOf.set(worker, job);
        worker.ref();
        worker.postMessage(job.paths);
      } else if (this.mainThread && !this.mainBusy) {
        this.hashHere(this.queue.shift()!);
      } else {
        break;
      }
    }
    // Work waiting for workers that are still loading keeps the process alive; no work does not.
    const waiting = this.queue.length > 0;
    for (const worker of this.jobOf.keys()) {
      if (this.ready.has(worker)) continue;
      if (waiting) worker.ref();
      else worker.unref();
    }
  }

  /**
   * Hash a batch on this thread in the next turn of the event loop (after pending messages);
   * once this thread has hashed `warmAfter` of queued work and more waits, the workers start.
   */
  private hashHere(job: Job): void {
    this.mainBusy = true;
    this.batchesHashedHere++;
    void this.inThread
      .digestBatch(job.paths)
      .then((digest) => {
        this.hashedHere.files += job.paths.length;
        for (const size of digest.sizes) this.hashedHere.bytes += size;
        job.resolve(digest);
      }, job.reject)
      .finally(() => {
        this.mainBusy = false;
        if (this.queue.length === 0) Object.assign(this.hashedHere, { bytes: 0, files: 0 });
        else if (this.hashedHere.bytes >= this.warmAfter.bytes || this.hashedHere.files >= this.warmAfter.files) this.warm();
        this.pump();
      });
  }

  private spawn(): Worker {
    const worker = new (workerThreads().Worker)(this.workerUrl);
    worker.unref();
    // Alive but not ready: no job until it says its modules are loaded.
    this.jobOf.set(worker, undefined);
    worker.on('message', (reply: BatchDigest | typeof WORKER_READY) => {
      if (reply === WORKER_READY) {
        this.ready.add(worker);
        this.rest(worker);
        this.pump();
        return;
      }
      const job = this.jobOf.get(worker);
      if (!job) return;
      this.jobOf.set(worker, undefined);
      this.rest(worker);
      job.resolve(reply);
      this.pump();
    });
    worker.on('error', (e) => this.retire(worker, e));
    worker.on('exit', (code) => this.retire(worker, new Error(`the hashing worker exited with code ${code}`)));
    return worker;
  }

  /** An idle worker does not keep the process alive; once closing, it does until it has stopped. */
  private rest(worker: Worker): void {
    if (this.closed) return;
    worker.unref();
    this.idle.push(worker);
  }

  /**
   * Drop a worker that failed or exited; its job, if any, fails with `why`. A worker that dies
   * before it is ready cannot hash anything: no more are started, and the work waiting for one
   * fails with why (unless this thread hashes it).
   */
  private retire(worker: Worker, why: Error): void {
    if (!this.jobOf.has(worker)) return; // 'exit' after 'error': already retired
    const job = this.jobOf.get(worker);
    this.jobOf.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    if (!this.ready.delete(worker)) this.startFailure ??= why;
    void worker.terminate();
    if (job) job.reject(Object.assign(new Error(`hashing ${describeBatch(job.paths)} failed: ${why.message}`), { cause: why }));
    if (this.queue.length > 0) this.warm();
    this.failWaitingIfNoWorkerCanStart();
    this.pump();
  }

  /** Work that only a worker could take, when none is alive and none can start, fails with why. */
  private failWaitingIfNoWorkerCanStart(): void {
    const why = this.startFailure;
    if (!why || this.mainThread || this.jobOf.size > 0) return;
    for (const job of this.queue.splice(0)) job.reject(Object.assign(new Error(`no hashing worker could start: ${why.message}`), { cause: why }));
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.jobOf.keys()];
    for (const job of this.queue.splice(0)) job.reject(new Error('the hashing worker pool is closed'));
    // A ready worker is ref'd while it stops, else the process may end before its 'exit' and
    // leave this promise pending. One still loading is told to stop but not waited for: on
    // Node 20 a terminate() that comes before the thread runs may never settle (seen in
    // worker-pool.test.ts); unref'd, it cannot keep the process alive.
    await Promise.all(
      workers.map((w) => {
        if (!this.ready.has(w)) {
          void w.terminate();
          w.unref();
          return undefined;
        }
        w.ref();
        return w.terminate();
      }),
    );
    this.idle.length = 0;
  }
}

function describeBatch(paths: readonly string[]): string {
  return paths.length === 1 ? paths[0]! : `${paths[0]} and ${paths.length - 1} more files`;
}
