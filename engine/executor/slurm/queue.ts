import type { SlurmCli } from './cli.js';
import { isEndState, type QueueEntry } from './job.js';

/** How a job ended, as the controller said; `GONE` when it left the queue before we saw its end. */
export interface JobEnd {
  state: string;
  reason: string;
}

/** Polls missed in a row before a job the controller no longer lists counts as gone. */
const MISSES_BEFORE_GONE = 3;

/**
 * Watches every job of a run with one `squeue` call per poll (never one call per job), and
 * settles each job's promise when the controller reports an end state.
 */
export class SlurmQueue {
  private readonly waiting = new Map<string, { settle: (end: JobEnd) => void; misses: number }>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Polls made so far, and the largest number of jobs one poll covered. */
  polls = 0;
  widest = 0;

  constructor(private readonly cli: SlurmCli, private readonly pollMs: number, private readonly onError: (e: unknown) => void) {}

  /** The job's end. */
  wait(id: string): Promise<JobEnd> {
    return new Promise<JobEnd>((settle) => {
      this.waiting.set(id, { settle, misses: 0 });
      this.schedule();
    });
  }

  get watching(): string[] {
    return [...this.waiting.keys()];
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.polling || this.waiting.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.pollMs);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    const ids = this.watching;
    try {
      this.polls++;
      this.widest = Math.max(this.widest, ids.length);
      const seen = await this.cli.queue(ids);
      for (const id of ids) this.settleIfEnded(id, seen.get(id));
    } catch (e) {
      this.onError(e);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private settleIfEnded(id: string, entry: QueueEntry | undefined): void {
    const job = this.waiting.get(id);
    if (!job) return;
    if (entry === undefined) {
      if (++job.misses < MISSES_BEFORE_GONE) return;
      entry = { state: 'GONE', reason: 'the controller no longer lists the job' };
    } else if (!isEndState(entry.state)) {
      job.misses = 0;
      return;
    }
    this.waiting.delete(id);
    job.settle({ state: entry.state, reason: entry.reason });
  }
}
