/**
 * A counting semaphore: at most `concurrency` of the wrapped tasks run at once, the rest wait in
 * FIFO order. Bounds open file handles and keeps libuv's small thread pool from being flooded.
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  // A FIFO read from `head`: Array.shift is O(n), which made 100,000 waiters cost seconds.
  let waiting: Array<() => void> = [];
  let head = 0;

  // A finishing task hands its slot straight to the next waiter, so a newcomer arriving in
  // between can never push the count over the bound.
  const release = (): void => {
    if (head < waiting.length) {
      const next = waiting[head]!;
      waiting[head++] = undefined as unknown as () => void;
      if (head === waiting.length || (head >= 1024 && head * 2 >= waiting.length)) {
        waiting = waiting.slice(head);
        head = 0;
      }
      next();
    } else active--;
  };

  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < concurrency) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
}
