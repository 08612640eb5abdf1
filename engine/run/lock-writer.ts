import type { LockEntry, LockFile, PipelinePart } from '../types.js';
import { lockPathFor, StageBlocks, writeLock } from '../lock/lockfile.js';
import { qualifiedName } from '../pipeline/stage-address.js';
import { rememberLock } from '../lock/lock-cache.js';

/** Lock writes take at most about this share of a run's time (see LockWriter). */
const LOCK_WRITE_SHARE = 0.1;
/** …and a finished stage waits at most this long to be recorded. */
const MAX_LOCK_DELAY_MS = 2000;

/**
 * Writes pipeline.lock after every stage that finishes, atomically, one write at a time. When
 * stages finish faster than the lock can be written, the pending changes are folded into the
 * next write. After each write the writer rests for nine times as long as the write took
 * (at most MAX_LOCK_DELAY_MS), so writing stays near a tenth of the run: a lock of 100,000
 * entries takes tens of milliseconds to write, and rewriting it after each of 1,000 quick stages
 * made a run quadratic in its size. The delay only ever leaves the lock behind, never ahead: a
 * killed run loses the record of stages that finished in the last moments (their outputs and
 * run-cache entries are saved, so the next run restores them), and no stage is recorded before
 * it succeeded. `close` writes what is pending at once.
 */
/** Records finished stages in the lock(s). */
export interface StageLockWriter {
  set(name: string, entry: LockEntry): void;
  close(): Promise<void>;
}

export class LockWriter implements StageLockWriter {
  private writing: Promise<void> | undefined;
  private dirty = false;
  private failure: unknown;
  private readonly blocks = new StageBlocks();
  private lastText: string | undefined;
  private closing = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly root: string,
    private readonly lock: LockFile,
    private readonly order: string[],
    private readonly file: string,
  ) {}

  set(name: string, entry: LockEntry): void {
    this.lock.stages[name] = entry;
    this.dirty = true;
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const started = performance.now();
        this.lastText = await writeLock(this.root, this.lock, this.order, this.file, this.blocks);
        const took = performance.now() - started;
        if (!this.closing) await this.rest(Math.min(MAX_LOCK_DELAY_MS, (took * (1 - LOCK_WRITE_SHARE)) / LOCK_WRITE_SHARE));
      }
    } catch (e) {
      this.failure = e;
    } finally {
      this.writing = undefined;
    }
  }

  /** Wait `ms`, or less if `close` is called meanwhile. */
  private rest(ms: number): Promise<void> {
    if (ms < 1) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Wait for every pending write; rethrows a write failure (disk full, permissions). */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
    if (this.lastText !== undefined) await rememberLock(this.root, this.file, this.lastText, this.lock);
  }
}

/**
 * The locks of several pipeline files taken together (pipeline/collect.ts): each stage is
 * recorded, under its own name, in the lock beside its pipeline file. `lock` is the merged view
 * (names `file:stage`), kept current as the single writer keeps its lock.
 */
export class SplitLockWriter implements StageLockWriter {
  private readonly routes = new Map<string, { writer: LockWriter; local: string }>();

  constructor(root: string, private readonly lock: LockFile, order: readonly string[], parts: readonly PipelinePart[]) {
    for (const part of parts) {
      const names = new Map(part.stages.map((n) => [qualifiedName(part.file, n), n] as const));
      const own: LockFile = { schema: lock.schema, stages: {} };
      for (const [q, local] of names) if (lock.stages[q]) own.stages[local] = lock.stages[q]!;
      const partOrder = order.filter((q) => names.has(q)).map((q) => names.get(q)!);
      const writer = new LockWriter(root, own, partOrder, lockPathFor(part.file));
      for (const [q, local] of names) this.routes.set(q, { writer, local });
    }
  }

  set(name: string, entry: LockEntry): void {
    this.lock.stages[name] = entry;
    const route = this.routes.get(name);
    route?.writer.set(route.local, entry);
  }

  async close(): Promise<void> {
    const failures: unknown[] = [];
    for (const writer of new Set([...this.routes.values()].map((r) => r.writer))) await writer.close().catch((e: unknown) => failures.push(e));
    if (failures.length > 0) throw failures[0];
  }
}
