import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { LinePrefixer, type RunReporter, type StageStatus } from './output.js';

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
