import type { Writable } from 'node:stream';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/** What happened to one stage in a run. */
export type StageStatus =
  | 'ran'
  | 'restored'
  | 'run-cache'
  | 'up-to-date'
  | 'frozen'
  | 'gated'
  | 'blocked'
  | 'failed'
  | 'not-run'
  | 'would-run';

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
class LinePrefixer {
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

/** TTY output: a progress bar over the stages, stage output printed above it as it comes. */
export class TtyReporter implements RunReporter {
  private bars: MultiBar | undefined;
  private bar: SingleBar | undefined;
  private done = 0;
  private readonly running = new Set<string>();
  private readonly lines: LinePrefixer;
  private ticker: NodeJS.Timeout | undefined;
  private hashed = '';

  constructor(private readonly out: NodeJS.WriteStream) {
    this.lines = new LinePrefixer((l) => this.log(l));
  }

  private log(line: string): void {
    if (this.bars) this.bars.log(line + '\n');
    else this.out.write(line + '\n');
  }

  begin(total: number, filesHashed?: () => number): void {
    this.bars = new MultiBar(
      { stream: this.out, format: ' {bar} {value}/{total} stages | {running}{hashed}', hideCursor: true, clearOnComplete: true, autopadding: true },
      Presets.shades_classic,
    );
    this.bar = this.bars.create(total, 0, { running: '', hashed: '' });
    if (filesHashed) {
      // Hashing shows only once it has taken over a second: quick checks stay quiet.
      const started = Date.now();
      this.ticker = setInterval(() => {
        const n = filesHashed();
        if (n > 0 && Date.now() - started > 1000) {
          this.hashed = ` | hashed ${n} files`;
          this.update();
        }
      }, 250);
      this.ticker.unref();
    }
  }
  private update(): void {
    this.bar?.update(this.done, { running: [...this.running].join(', '), hashed: this.hashed });
  }
  stageStarted(name: string, note: string): void {
    this.running.add(name);
    this.log(`Running stage '${name}'${note ? `: ${note}` : ''}`);
    this.update();
  }
  stageOutput(name: string, stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.lines.push(name, stream, chunk.toString('utf8').replace(/\r(?!\n)/g, '\n'));
  }
  stageDone(name: string, _status: StageStatus, line: string): void {
    this.lines.flush(name);
    this.running.delete(name);
    this.done++;
    this.log(line);
    this.update();
  }
  info(line: string): void {
    this.log(line);
  }
  end(): void {
    clearInterval(this.ticker);
    // MultiBar prints logged lines on its next redraw: force one, or the last lines are lost.
    this.bars?.update();
    this.bars?.stop();
    this.bars = undefined;
  }
}

export function defaultReporter(quiet = false): RunReporter {
  const out = process.stdout;
  return out.isTTY && !process.env.CI ? new TtyReporter(out) : new PlainReporter(out, quiet);
}
