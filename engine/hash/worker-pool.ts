import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileDigest, FileDigester } from './file.js';

/**
 * Hashes files on worker threads, one file per worker at a time, so a directory of large files
 * uses every core (BLAKE3 runs at several GB/s per core: one core is the bottleneck on a warm
 * page cache). Workers start lazily and are unref'd when idle, so they never keep the process
 * alive. Small files stay on the main thread: a message round trip costs more than hashing them.
 */
export class WorkerPoolDigester implements FileDigester {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: { path: string; resolve: (d: FileDigest) => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly size = Math.max(1, availableParallelism())) {}

  digest(absPath: string): Promise<FileDigest> {
    return new Promise((resolve, reject) => {
      this.queue.push({ path: absPath, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker && this.all.length < this.size) worker = this.spawn();
      if (!worker) return;
      const job = this.queue.shift()!;
      worker.ref();
      worker.once('message', (reply: { hash?: string; size?: number; error?: string; code?: string }) => {
        worker.unref();
        this.idle.push(worker);
        if (reply.error !== undefined) job.reject(Object.assign(new Error(reply.error), { code: reply.code }));
        else job.resolve({ hash: reply.hash!, size: reply.size! });
        this.pump();
      });
      worker.postMessage(job.path);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    worker.unref();
    worker.on('error', (e) => {
      // A worker that died takes its job down with it; the pool goes on without it.
      this.all.splice(this.all.indexOf(worker), 1);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      this.queue.splice(0).forEach((j) => j.reject(e));
    });
    this.all.push(worker);
    return worker;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.splice(0).map((w) => w.terminate()));
    this.idle.length = 0;
  }
}
