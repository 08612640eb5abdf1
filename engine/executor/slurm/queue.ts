import type { SlurmCli } from './cli.js';
import { isEndState, type QueueEntry } from './job.js';

/** How a job ended, as the controller said; `GONE` when it left the queue before we saw its end. */
export interface JobEnd {
  state: string;
  reason: string;
}

/** Polls missed in a row before a job the controller no longer lists counts as gone. */
const MISSES_BEFORE_GONE = 3;
/** The shortest wait between two polls, near a job's expected end: a fifth of `pollMs`, at least this. */
const MIN_POLL_MS = 100;
/** Run times remembered to expect the next job's end (the median of the latest). */
const RUN_TIMES_KEPT = 16;

/**
 * Milliseconds to the next poll: `pollMs`, shortened to reach the expected end of a running job
 * (seen running since `runningSince`, expected to run as long as the median of `runTimes`) when
 * it falls within the next `pollMs`. A job past its expected end by more than `pollMs` is
 * polled for at the normal pace again, so a long job costs no more calls than before. Pure.
 */
export function nextPollDelay(now: number, pollMs: number, runningSince: readonly number[], runTimes: readonly number[]): number {
  if (runTimes.length === 0 || runningSince.length === 0) return pollMs;
  const sorted = [...runTimes].sort((x, y) => x - y);
  const typical = sorted[sorted.length >> 1]!;
  const shortest = Math.min(pollMs, Math.max(MIN_POLL_MS, pollMs / 5));
  let delay = pollMs;
  for (const since of runningSince) {
    const untilEnd = since + typical - now;
    if (untilEnd < -pollMs) continue;
    delay = Math.min(delay, Math.max(shortest, untilEnd));
  }
  return delay;
}

/**
 * Watches every job of a run with one `squeue` call per poll (never one call per job), and
 * settles each job's promise when the controller reports an end state.
 */
export class SlurmQueue {
  private readonly waiting = new Map<string, { settle: (end: JobEnd) => void; misses: number; runningSince?: number }>();
  /** How long the latest jobs were seen running, to expect when the running ones end. */
  private readonly runTimes: number[] = [];
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
    const since = [...this.waiting.values()].flatMap((j) => (j.runningSince === undefined ? [] : [j.runningSince]));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, nextPollDelay(performance.now(), this.pollMs, since, this.runTimes));
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
      if (entry.state === 'RUNNING') job.runningSince ??= performance.now();
      return;
    }
    if (job.runningSince !== undefined && entry.state === 'COMPLETED') {
      this.runTimes.push(performance.now() - job.runningSince);
      if (this.runTimes.length > RUN_TIMES_KEPT) this.runTimes.shift();
    }
    this.waiting.delete(id);
    job.settle({ state: entry.state, reason: entry.reason });
  }
}
