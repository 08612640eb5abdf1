// Metrics and params files as data: JSON, YAML or TOML by extension, parsed to plain values,
// with a located error that names the file when the text is not what its extension says.
import { toml, yaml } from '../util/lazy-libs.js';
import { UserError } from '../errors.js';

export type DataFormat = 'json' | 'yaml' | 'toml';

/** The format a file is read as: `.json`, `.toml`, else YAML (JSON is YAML too). */
export function dataFormatOf(path: string): DataFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.toml')) return 'toml';
  return 'yaml';
}

/** 1-based line and column of a character offset in `text`. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: Math.max(1, offset - lineStart + 1) };
}

/**
 * Parse a data file's text (pure). `shownAs` is how errors name the file (`HEAD~1:metrics.json`);
 * it defaults to `path`. Aliases are capped so a hostile YAML cannot blow up.
 */
export function parseDataText(path: string, text: string, shownAs: string = path): unknown {
  const format = dataFormatOf(path);
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const at = /position (\d+)/.exec(message);
      const lc = /line (\d+) column (\d+)/.exec(message);
      const { line, col } = lc ? { line: Number(lc[1]), col: Number(lc[2]) } : lineColAt(text, at ? Number(at[1]) : 0);
      const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
      throw new UserError(`invalid JSON in ${shownAs}: ${reason}`, { pos: { file: shownAs, line, col } });
    }
  }
  if (format === 'toml') {
    try {
      return toml().parse(text);
    } catch (e) {
      const err = e as { message: string; line?: number; column?: number };
      throw new UserError(`invalid TOML in ${shownAs}: ${err.message.split('\n')[0]}`, {
        pos: { file: shownAs, line: err.line ?? 1, col: err.column ?? 1 },
      });
    }
  }
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const { line, col } = lines.linePos(err.pos[0]);
    throw new UserError(`invalid YAML in ${shownAs}: ${err.message.split('\n')[0]}`, { pos: { file: shownAs, line, col } });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new UserError(`cannot read ${shownAs}: ${(e as Error).message}`, { pos: { file: shownAs, line: 1, col: 1 } });
  }
}
