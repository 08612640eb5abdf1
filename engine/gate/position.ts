// Maps offsets in a gate expression to positions in the pipeline file, and builds the syntax
// errors that point there.

import type { SourcePos } from '../types.js';
import { UserError } from '../errors.js';

export class ExpressionSource {
  /** Offsets at which each line of the expression starts (a block scalar may span several). */
  private readonly lineStarts: number[] = [0];

  /**
   * @param text the expression
   * @param base position of the expression's first character in the pipeline file
   * @param continuationCol column where lines after the first start in the file (a block
   *   scalar's indentation + 1); the text itself no longer holds that indentation.
   */
  constructor(
    readonly text: string,
    readonly base: SourcePos,
    private readonly continuationCol = 1,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  posAt(offset: number): SourcePos {
    // Binary search for the last line starting at or before offset.
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const column = offset - this.lineStarts[lo]!;
    return {
      file: this.base.file,
      line: this.base.line + lo,
      col: (lo === 0 ? this.base.col : this.continuationCol) + column,
    };
  }

  /** Offset just past the last non-blank character: where "end of expression" is reported. */
  get endOffset(): number {
    return this.text.trimEnd().length;
  }

  syntaxError(offset: number, message: string): UserError {
    return new UserError(`bad gate condition: ${message}`, { pos: this.posAt(offset) });
  }

  /** `column 7`, or `line 3, column 7` when the expression spans lines. */
  describeOffset(offset: number): string {
    const pos = this.posAt(offset);
    return this.lineStarts.length > 1 ? `line ${pos.line}, column ${pos.col}` : `column ${pos.col}`;
  }
}
