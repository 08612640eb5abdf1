// Collects user errors so that one load reports all it finds, not only the first.
import { UserError, UserErrors } from '../errors.js';

const MAX_REPORTED = 100;

export class ErrorSink {
  private readonly errors: UserError[] = [];
  private readonly seen = new Set<string>();
  private dropped = 0;

  /**
   * Keep one error per position: every stage a foreach generates shares its template's
   * positions, and the same mistake 500 times over helps nobody.
   */
  add(error: UserError): void {
    for (const e of error instanceof UserErrors ? error.errors : [error]) {
      const key = e.pos ? `${e.pos.file}:${e.pos.line}:${e.pos.col}` : e.message;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (this.errors.length >= MAX_REPORTED) this.dropped++;
      else this.errors.push(e);
    }
  }

  /** Run `fn`, recording a UserError it throws instead of propagating it. */
  attempt<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (e instanceof UserError) {
        this.add(e);
        return undefined;
      }
      throw e;
    }
  }

  get size(): number {
    return this.errors.length;
  }

  /** Throw what was collected: one UserError, or UserErrors for several. */
  throwIfAny(): void {
    if (this.errors.length === 0) return;
    const all = [...this.errors];
    if (this.dropped > 0) all.push(new UserError(`… and ${this.dropped} more errors`));
    throw all.length === 1 ? all[0]! : new UserErrors(all);
  }
}
