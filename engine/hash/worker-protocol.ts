// What a hashing worker (worker.ts) and its pool (worker-pool.ts) say besides batches.

/** A worker's first message: its modules are loaded, it can take a batch now. */
export const WORKER_READY = 'ready';
