import type { LockEntry, LockFile } from '../types.js';
import { StageBlocks, writeLock } from '../lock/lockfile.js';
import { rememberLock } from '../lock/lock-cache.js';

/**
 * Writes pipeline.lock after every stage that finishes, atomically, one write at a time. When
 * stages finish faster than the lock can be written, the pending changes are folded into the
 * next write, so a run of many quick stages does not write the lock once per stage.
 */
export class LockWriter {
  private writing: Promise<void> | undefined;
  private dirty = false;
  private failure: unknown;
  private readonly blocks = new StageBlocks();
  private lastText: string | undefined;

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
        this.lastText = await writeLock(this.root, this.lock, this.order, this.file, this.blocks);
      }
    } catch (e) {
      this.failure = e;
    } finally {
      this.writing = undefined;
    }
  }

  /** Wait for every pending write; rethrows a write failure (disk full, permissions). */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
    if (this.lastText !== undefined) await rememberLock(this.root, this.file, this.lastText, this.lock);
  }
}
