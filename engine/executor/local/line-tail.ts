import { StringDecoder } from 'node:string_decoder';

/**
 * The last lines of a stream that arrives in chunks. A chunk may end mid-line or mid-character
 * (a pipe splits where it likes), so a partial line is continued by the next chunk rather than
 * shown as two lines, and UTF-8 is decoded across chunk boundaries.
 */
export class LineTail {
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [''];

  constructor(private readonly keep: number) {}

  push(chunk: Buffer | string): void {
    const parts = (typeof chunk === 'string' ? chunk : this.decoder.write(chunk)).split('\n');
    this.lines[this.lines.length - 1] += parts[0]!;
    for (let i = 1; i < parts.length; i++) this.lines.push(parts[i]!);
    // Trim now and then, not on every chunk: a chatty stage writes thousands of them.
    if (this.lines.length > this.keep * 4) {
      const done = this.lines.slice(0, -1).filter((l) => l.trim() !== '');
      this.lines = [...done.slice(-this.keep), this.lines.at(-1)!];
    }
  }

  /** The last `keep` lines that are not blank, oldest first. */
  lastLines(): string[] {
    return [...this.lines.slice(0, -1), this.lines.at(-1)! + this.decoder.end()].filter((l) => l.trim() !== '').slice(-this.keep);
  }
}
