// The one kind of failure a stage reports to its user: bad input or bad params. The stage's
// entry point prints it as a single line `<stage>: <message>` and exits non-zero; any other
// exception is a bug and keeps its stack trace.

export class StageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageInputError';
  }
}

export function isStageInputError(e: unknown): e is StageInputError {
  return e instanceof StageInputError;
}
