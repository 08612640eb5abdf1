import type { Writable } from 'node:stream';

import type { StageStatus } from '../stage/outcome.js';

export type { StageStatus };

/** How the run talks to the person (or CI log) watching it. */
export interface RunReporter {
  /** `filesHashed` counts the files read so far, for a hashing indicator on long checks. */
  begin(total: number, filesHashed?: () => number): void;
  stageStarted(name: string, note: string): void;
  stageOutput(name: string, stream: 'stdout' | 'stderr', chunk: Buffer): void;
  stageDone(name: string, status: StageStatus, line: string): void;
  /** A line that belongs to no stage (warnings, the final summary). */
  info(line: string): void;
  end(): void;
}

// ANSI escapes (CSI, OSC) and other C0 controls except tab and newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

/** Plain text for logs and CI: carriage-return progress bars become lines, escapes go. */
export function toPlainText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '');
}

/** Splits chunks into whole lines per (stage, stream), so prefixes never land mid-line. */
export class LinePrefixer {
  private readonly partial = new Map<string, string>();
  constructor(private readonly emit: (line: string) => void) {}

  push(name: string, stream: string, chunk: string): void {
    const key = `${name}\0${stream}`;
    const text = (this.partial.get(key) ?? '') + chunk;
    const lines = text.split('\n');
    this.partial.set(key, lines.pop()!);
    for (const line of lines) this.emit(`[${name}] ${line}`);
  }

  flush(name: string): void {
    for (const stream of ['stdout', 'stderr']) {
      const key = `${name}\0${stream}`;
      const rest = this.partial.get(key);
      if (rest) this.emit(`[${name}] ${rest}`);
      this.partial.delete(key);
    }
  }
}

/** Non-TTY output: one plain line per event, nothing but printable text. */
export class PlainReporter implements RunReporter {
  private readonly lines: LinePrefixer;
  constructor(private readonly out: Writable, private readonly quiet = false) {
    this.lines = new LinePrefixer((l) => this.write(l));
  }
  private write(line: string): void {
    this.out.write(line + '\n');
  }
  begin(): void {}
  stageStarted(name: string, note: string): void {
    this.write(`Running stage '${name}'${note ? `: ${note}` : ''}`);
  }
  stageOutput(name: string, _stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (!this.quiet) this.lines.push(name, _stream, toPlainText(chunk.toString('utf8')));
  }
  stageDone(name: string, _status: StageStatus, line: string): void {
    this.lines.flush(name);
    this.write(line);
  }
  info(line: string): void {
    this.write(toPlainText(line));
  }
  end(): void {}
}

/** A progress bar for a person at a terminal, plain lines for CI and logs. */
export async function defaultReporter(quiet = false): Promise<RunReporter> {
  const out = process.stdout;
  if (!out.isTTY || process.env.CI) return new PlainReporter(out, quiet);
  // cli-progress is loaded only when there is a terminal to draw on.
  const { TtyReporter } = await import('./output-tty.js');
  return new TtyReporter(out);
}

/**
 * Keep running when whoever reads our output goes away (`dvc-ts repro | head -1`): the first
 * write error on stdout or stderr turns every later write to that stream into a no-op, so the
 * run completes and records what it did in the lock. Without this the error event would end the
 * process mid-run with a stack trace. Returns what went wrong, for the exit code: a reader that
 * left (EPIPE) is normal, as in git; a full disk behind `> file` is not.
 */
export function stopWritingWhenClosed(stream: NodeJS.WriteStream): () => NodeJS.ErrnoException | undefined {
  let failure: NodeJS.ErrnoException | undefined;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    failure ??= e;
    stream.write = ((_chunk: unknown, encodingOrDone?: unknown, done?: unknown) => {
      const callback = typeof encodingOrDone === 'function' ? encodingOrDone : done;
      if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
      return true;
    }) as typeof stream.write;
  });
  return () => failure;
}
