import type { SourcePos } from './types.js';

/**
 * An error meant for the user: printed as one line (`file:line:col: message`), no stack trace,
 * and a non-zero exit code. Anything else that reaches the CLI is a bug and shows its stack.
 */
export class UserError extends Error {
  readonly pos: SourcePos | undefined;
  readonly exitCode: number;
  /** Further lines shown after the message (hints, a list of stages in a cycle, …). */
  readonly details: string[];

  constructor(message: string, options: { pos?: SourcePos; exitCode?: number; details?: string[] } = {}) {
    super(message);
    this.name = 'UserError';
    this.pos = options.pos;
    this.exitCode = options.exitCode ?? 2;
    this.details = options.details ?? [];
  }

  /** `pipeline.yaml:12:5: message` or just the message when there is no position. */
  format(): string {
    const where = this.pos ? `${this.pos.file}:${this.pos.line}:${this.pos.col}: ` : '';
    return [where + this.message, ...this.details.map((d) => `  ${d}`)].join('\n');
  }
}

/** Several user errors found at once (validation reports all it can, not just the first). */
export class UserErrors extends UserError {
  readonly errors: UserError[];
  constructor(errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '), { pos: errors[0]?.pos, exitCode: errors[0]?.exitCode ?? 2 });
    this.errors = errors;
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
