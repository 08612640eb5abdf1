// Tokenizer for gate conditions. One linear pass, no backtracking, no regular expressions that
// can blow up: every pattern is a sticky, anchored, linear match.

import type { ExpressionSource } from './position.js';

export type Punct = '==' | '!=' | '<=' | '>=' | '<' | '>' | '&&' | '||' | '!' | '(' | ')' | '[' | ']' | '.';

export type Token =
  | { kind: 'word'; text: string; start: number; end: number }
  /** A key right after a `.`; digits only make a list index (`a.0`). */
  | { kind: 'segment'; text: string; value: string | number; start: number; end: number }
  | { kind: 'number'; text: string; value: number; start: number; end: number }
  | { kind: 'string'; text: string; value: string; start: number; end: number }
  | { kind: 'punct'; text: Punct; start: number; end: number }
  | { kind: 'end'; text: ''; start: number; end: number };

const WORD = /[\p{L}_][\p{L}\p{N}_-]*/uy;
const SEGMENT = /[\p{L}\p{N}_-]+/uy;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
const DIGIT = /\d/;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

// Longest first, so `<=` wins over `<`.
const PUNCTUATION: readonly Punct[] = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.'];

/** Spellings from other languages, with what to write instead. */
const MISTAKES: readonly (readonly [string, string])[] = [
  ['===', "unknown operator '===' (use '==')"],
  ['!==', "unknown operator '!==' (use '!=')"],
  ['=>', "unknown operator '=>' (use '>=')"],
  ['=<', "unknown operator '=<' (use '<=')"],
  ['<>', "unknown operator '<>' (use '!=')"],
  ['=', "unknown operator '=' (use '==' to compare)"],
  ['&', "unknown operator '&' (use 'and' or '&&')"],
  ['|', "unknown operator '|' (use 'or' or '||')"],
];

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', '/': '/', n: '\n', t: '\t', r: '\r' };

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

export function tokenize(source: ExpressionSource): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (WHITESPACE.has(ch)) {
      i++;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    // A key directly after `.` may start with a digit or be a keyword: `a.0`, `flags.not`.
    if (previous?.kind === 'punct' && previous.text === '.' && previous.end === i) {
      const segment = matchAt(SEGMENT, text, i);
      if (segment !== undefined) {
        const value = /^\d+$/.test(segment) && Number.isSafeInteger(Number(segment)) ? Number(segment) : segment;
        tokens.push({ kind: 'segment', text: segment, value, start: i, end: i + segment.length });
        i += segment.length;
        continue;
      }
    }
    if (ch === '"' || ch === "'") {
      const token = lexString(source, i);
      tokens.push(token);
      i = token.end;
      continue;
    }
    if (DIGIT.test(ch) || (ch === '-' && DIGIT.test(text[i + 1] ?? ''))) {
      const token = lexNumber(source, i);
      tokens.push(token);
      i = token.end;
      continue;
    }
    const word = matchAt(WORD, text, i);
    if (word !== undefined) {
      tokens.push({ kind: 'word', text: word, start: i, end: i + word.length });
      i += word.length;
      continue;
    }
    const mistake = MISTAKES.find(([spelling]) => text.startsWith(spelling, i));
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    // `===` must be caught before `==` matches its first two characters.
    if (mistake && (!punct || mistake[0].length > punct.length)) throw source.syntaxError(i, mistake[1]);
    if (punct) {
      tokens.push({ kind: 'punct', text: punct, start: i, end: i + punct.length });
      i += punct.length;
      continue;
    }
    throw source.syntaxError(i, `unexpected character ${describeChar(text.codePointAt(i)!)}`);
  }
  tokens.push({ kind: 'end', text: '', start: source.endOffset, end: source.endOffset });
  return tokens;
}

function lexNumber(source: ExpressionSource, start: number): Token {
  const text = source.text;
  const raw = matchAt(NUMBER, text, start)!;
  const end = start + raw.length;
  const next = text[end];
  if (next !== undefined && (WORD_CHAR.test(next) || (next === '.' && DIGIT.test(text[end + 1] ?? '')))) {
    let stop = end;
    while (stop < text.length && (WORD_CHAR.test(text[stop]!) || text[stop] === '.')) stop++;
    throw source.syntaxError(start, `bad number '${text.slice(start, stop)}'`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) throw source.syntaxError(start, `number '${raw}' is out of range`);
  return { kind: 'number', text: raw, value, start, end };
}

function lexString(source: ExpressionSource, start: number): Token {
  const text = source.text;
  const quote = text[start]!;
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === quote) return { kind: 'string', text: text.slice(start, i + 1), value, start, end: i + 1 };
    if (ch === '\n') break;
    if (ch === '\\') {
      const escaped = text[i + 1];
      if (escaped === undefined) break;
      if (escaped === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw source.syntaxError(i, "bad escape in string: '\\u' needs four hex digits");
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const replacement = ESCAPES[escaped];
      if (replacement === undefined) throw source.syntaxError(i, `unknown escape '\\${escaped}' in string`);
      value += replacement;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  throw source.syntaxError(start, `unterminated string (no closing ${quote} on this line)`);
}

function describeChar(codePoint: number): string {
  const ch = String.fromCodePoint(codePoint);
  return codePoint < 0x20 || codePoint === 0x7f ? `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
}
