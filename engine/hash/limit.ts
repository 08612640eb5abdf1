import pLimit from 'p-limit';

/**
 * A counting semaphore: at most `concurrency` of the wrapped tasks run at once, the rest wait in
 * FIFO order. Bounds open file handles and keeps libuv's small thread pool from being flooded.
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const limit = pLimit(concurrency);
  return (task) => limit(task);
}
