// A child process for the lock stress test: on each message it spins until the agreed instant,
// then tries to take the repository lock, so several processes ask within microseconds.
import { acquireRepoLock } from '../../engine/repo/repo-lock.js';

export interface ContendRequest {
  root: string;
  /** performance.timeOrigin + performance.now() at which to ask. */
  at: number;
  holdMs: number;
}

export interface ContendReply {
  got: boolean;
  /** When the lock was held (wall clock, ms): to detect two holders at once. */
  from?: number;
  to?: number;
  error?: string;
}

const now = () => performance.timeOrigin + performance.now();

process.on('message', (req: ContendRequest) => {
  void (async () => {
    while (now() < req.at) {
      // spin: a timer would add milliseconds of jitter
    }
    let reply: ContendReply;
    try {
      const lock = await acquireRepoLock(req.root);
      const from = now();
      await new Promise((r) => setTimeout(r, req.holdMs));
      const to = now();
      await lock.release();
      reply = { got: true, from, to };
    } catch (e) {
      reply = { got: false, error: (e as Error).message };
    }
    process.send!(reply);
  })();
});
process.on('disconnect', () => process.exit(0));
