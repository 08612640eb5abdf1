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

  constructor(message: string, options: { pos?: SourcePos; exitCode?: number; details?: string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
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

/**
 * Errors of the environment (a full disk, a read-only mount, permissions, a quota): the user can
 * fix them, so they are reported like bad input (exit 1, no stack trace), never as bugs.
 */
const ENVIRONMENT_CAUSES: Readonly<Record<string, { cause: string; hint: string }>> = {
  ENOSPC: { cause: 'no space left on device', hint: 'free some space (`dvc-ts gc` removes cache objects no revision uses)' },
  EDQUOT: { cause: 'disk quota exceeded', hint: 'free some space, or ask for a larger quota' },
  EROFS: { cause: 'read-only file system', hint: 'run where the file system is writable, or remount it read-write' },
  EACCES: { cause: 'permission denied', hint: 'check the owner and mode of the path and of its directories' },
  EPERM: { cause: 'operation not permitted', hint: 'check the permissions and attributes (`lsattr`) of the path' },
  EIO: { cause: 'input/output error', hint: 'the disk reported an error: check it' },
};

/** How a failed system call is described to the user. */
const SYSCALL_ACTIONS: Readonly<Record<string, string>> = {
  mkdir: 'create the directory',
  copyfile: 'copy to',
  rename: 'rename to',
  link: 'link to',
  symlink: 'link to',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  chmod: 'change the mode of',
  open: 'open',
  read: 'read',
  write: 'write',
  scandir: 'list',
};

/** The errno code of an environment error (ENOSPC, EROFS, …), else undefined. */
export function environmentErrorCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in ENVIRONMENT_CAUSES ? code : undefined;
}

/**
 * A UserError for an environment error, naming the path and the cause: `cannot write
 * data/model.bin: no space left on device (ENOSPC)`, exit 1. `path` defaults to the one the
 * error carries. Undefined when `e` is not an environment error.
 */
export function environmentError(e: unknown, where: { action?: string; path?: string; hint?: string } = {}): UserError | undefined {
  const code = environmentErrorCode(e);
  if (code === undefined) return undefined;
  const err = e as NodeJS.ErrnoException & { dest?: string };
  const { cause, hint } = ENVIRONMENT_CAUSES[code]!;
  // For a copy, rename or link the destination is what could not be written.
  const path = where.path ?? err.dest ?? err.path;
  const action = where.action ?? SYSCALL_ACTIONS[err.syscall ?? ''] ?? 'use';
  const subject = path === undefined ? action : `${action} ${path}`;
  return new UserError(`cannot ${subject}: ${cause} (${code})`, { exitCode: 1, details: [where.hint ?? hint], cause: e });
}

/** Rethrow `e` as an environment UserError when it is one (see environmentError), else as is. */
export function rethrowEnvironmentError(e: unknown, where: { action?: string; path?: string; hint?: string } = {}): never {
  throw environmentError(e, where) ?? e;
}
