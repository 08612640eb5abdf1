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
  const waiting: Array<() => void> = [];

  // A finishing task hands its slot straight to the next waiter, so a newcomer arriving in
  // between can never push the count over the bound.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
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
