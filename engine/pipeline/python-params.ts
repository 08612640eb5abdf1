// Python params files (`params.py`), read as DVC reads them (its utils/serialize/_py.py over
// Python's ast): module-level `name = literal` and `name: type = literal` assignments, classes as
// nested mappings of their own such assignments, and `self.name = literal` in a class's
// `__init__`. Values are Python literals (numbers, strings, True/False/None, lists, tuples, dicts,
// sets); an assignment whose value is anything else (a call, a name, an f-string) is skipped, as
// DVC skips it. Nothing is ever executed: this is a tokenizer and a literal parser.
import { UserError } from '../errors.js';
import type { SourcePos } from '../types.js';
import type { YEntry, YMap, YNode } from './yaml-tree.js';

interface Token {
  kind: 'name' | 'number' | 'string' | 'op' | 'newline' | 'indent' | 'dedent' | 'end';
  text: string;
  /** number: its value; string: its decoded text (undefined for f-strings and bytes). */
  value?: number | string;
  float?: boolean;
  line: number;
  col: number;
}

const OPERATORS = ['**=', '//=', '>>=', '<<=', '...', '->', ':=', '==', '!=', '<=', '>=', '**', '//', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@='];
const NUMBER = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[jJ]?/;
const NAME = /^[A-Za-z_\u00a0-\uffff][\w\u00a0-\uffff]*/;
const STRING_START = /^([rRbBuUfF]{0,2})('''|"""|'|")/;

/** Parse a Python params file into a mapping; a file Python could not tokenize is a UserError. */
export function parsePythonParams(file: string, text: string): YMap {
  const tokens = new Tokenizer(file, text).run();
  const parser = new StatementParser(file, tokens);
  return { kind: 'map', entries: parser.block(false), pos: { file, line: 1, col: 1 } };
}

class Tokenizer {
  private readonly tokens: Token[] = [];
  private readonly indents = [0];
  private at = 0;
  private line = 1;
  private lineStart = 0;
  private depth = 0;

  constructor(private readonly file: string, private readonly text: string) {}

  run(): Token[] {
    let atLineStart = true;
    while (this.at < this.text.length) {
      if (atLineStart && this.depth === 0) this.indentation();
      atLineStart = false;
      const c = this.text[this.at]!;
      if (c === '\n' || c === '\r') {
        this.newline();
        atLineStart = true;
      } else if (c === ' ' || c === '\t' || c === '\f') this.at++;
      else if (c === '#') this.skipComment();
      else if (c === '\\' && /^\\\r?\n/.test(this.text.slice(this.at, this.at + 3))) this.continuation();
      else this.token();
    }
    this.push('newline', '');
    while (this.indents.length > 1) {
      this.indents.pop();
      this.push('dedent', '');
    }
    this.push('end', '');
    return this.tokens;
  }

  private pos(): SourcePos {
    return { file: this.file, line: this.line, col: this.at - this.lineStart + 1 };
  }

  private push(kind: Token['kind'], text: string, extra: Partial<Token> = {}, pos = this.pos()): void {
    if (kind === 'newline' && (this.tokens.length === 0 || this.tokens[this.tokens.length - 1]!.kind === 'newline')) return;
    this.tokens.push({ kind, text, line: pos.line, col: pos.col, ...extra });
  }

  private indentation(): void {
    let width = 0;
    let i = this.at;
    for (; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === ' ') width++;
      else if (c === '\t') width = (Math.floor(width / 8) + 1) * 8;
      else if (c !== '\f') break;
    }
    const next = this.text[i];
    if (next === undefined || next === '\n' || next === '\r' || next === '#') return; // blank or comment line
    this.at = i;
    if (width > this.indents[this.indents.length - 1]!) {
      this.indents.push(width);
      this.push('indent', '');
    }
    while (width < this.indents[this.indents.length - 1]!) {
      this.indents.pop();
      this.push('dedent', '');
    }
    if (width !== this.indents[this.indents.length - 1]) throw new UserError('unindent does not match any outer indentation level', { pos: this.pos() });
  }

  private newline(): void {
    if (this.depth === 0) this.push('newline', '');
    if (this.text[this.at] === '\r' && this.text[this.at + 1] === '\n') this.at++;
    this.at++;
    this.line++;
    this.lineStart = this.at;
  }

  private skipComment(): void {
    while (this.at < this.text.length && this.text[this.at] !== '\n' && this.text[this.at] !== '\r') this.at++;
  }

  private continuation(): void {
    this.at += this.text[this.at + 1] === '\r' ? 3 : 2;
    this.line++;
    this.lineStart = this.at;
  }

  private token(): void {
    const rest = this.text.slice(this.at, this.at + 256);
    const pos = this.pos();
    const str = STRING_START.exec(rest);
    if (str) return this.string(str[1]!, str[2]!, pos);
    const num = NUMBER.exec(rest);
    if (num && /[\d.]/.test(rest[0]!) && num[0] !== '.') {
      this.at += num[0].length;
      return this.push('number', num[0], numberOf(num[0]), pos);
    }
    const name = NAME.exec(rest);
    if (name) {
      this.at += name[0].length;
      return this.push('name', name[0], {}, pos);
    }
    const op = OPERATORS.find((o) => rest.startsWith(o)) ?? rest[0]!;
    if ('([{'.includes(op)) this.depth++;
    if (')]}'.includes(op)) this.depth = Math.max(0, this.depth - 1);
    this.at += op.length;
    this.push('op', op, {}, pos);
  }

  private string(prefix: string, quote: string, pos: SourcePos): void {
    const raw = /[rR]/.test(prefix);
    let at = this.at + prefix.length + quote.length;
    let body = '';
    for (;;) {
      if (at >= this.text.length) throw new UserError('unterminated string literal', { pos });
      const c = this.text[at]!;
      if (this.text.startsWith(quote, at)) break;
      if ((c === '\n' || c === '\r') && quote.length === 1) throw new UserError('unterminated string literal', { pos });
      if (c === '\\' && at + 1 < this.text.length) {
        body += c + this.text[at + 1];
        at += 2;
      } else {
        body += c;
        at++;
      }
    }
    const end = at + quote.length;
    for (let i = this.at; i < end; i++) {
      if (this.text[i] === '\n') {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.at = end;
    const literal = !/[fFbB]/.test(prefix);
    this.push('string', quote, literal ? { value: raw ? body : unescape(body) } : {}, pos);
  }
}

function numberOf(text: string): Partial<Token> {
  const t = text.replace(/_/g, '');
  if (/[jJ]$/.test(t)) return {}; // complex: not a value a params file can hold
  if (/^0[xX]/.test(t)) return { value: parseInt(t.slice(2), 16), float: false };
  if (/^0[oO]/.test(t)) return { value: parseInt(t.slice(2), 8), float: false };
  if (/^0[bB]/.test(t)) return { value: parseInt(t.slice(2), 2), float: false };
  const float = /[.eE]/.test(t);
  return { value: float ? parseFloat(t) : parseInt(t, 10), float };
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

/** Python's escapes in a non-raw string literal. */
function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|\r\n|[\s\S])/g, (whole, e: string) => {
    if (e === '\r\n') return '';
    if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e]!;
    if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return whole; // unknown escapes stay as written, as in Python
  });
}

/** Not a literal (ast.literal_eval would refuse it): the assignment is skipped. */
class NotLiteral extends Error {}

class StatementParser {
  private at = 0;

  constructor(private readonly file: string, private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)]!;
  }

  /** The statements of one block (the module, a class body, `__init__`) until its dedent. */
  block(selfOnly: boolean): YEntry[] {
    const entries: YEntry[] = [];
    while (this.peek().kind !== 'end' && this.peek().kind !== 'dedent') {
      const first = this.peek();
      if (first.kind === 'newline' || first.kind === 'indent') {
        this.at++;
        continue;
      }
      const line = this.line();
      if (first.kind === 'name' && (first.text === 'class' || first.text === 'def') && line.at(-1)?.text === ':') {
        this.compound(first.text, line[1], selfOnly, entries);
        continue;
      }
      this.skipBody();
      for (const statement of splitTop(line, ';')) this.assignment(statement, selfOnly, entries);
    }
    if (this.peek().kind === 'dedent') this.at++;
    return entries;
  }

  /** The tokens up to the end of the logical line (its newline consumed). */
  private line(): Token[] {
    const line: Token[] = [];
    while (this.peek().kind !== 'newline' && this.peek().kind !== 'end') line.push(this.tokens[this.at++]!);
    if (this.peek().kind === 'newline') this.at++;
    return line;
  }

  /** Skip an indented block that follows (the body of a statement we do not read). */
  private skipBody(): void {
    if (this.peek().kind !== 'indent') return;
    let depth = 0;
    do {
      const t = this.tokens[this.at++]!;
      if (t.kind === 'indent') depth++;
      else if (t.kind === 'dedent') depth--;
      else if (t.kind === 'end') return;
    } while (depth > 0);
  }

  private compound(keyword: string, name: Token | undefined, selfOnly: boolean, entries: YEntry[]): void {
    const hasBody = this.peek().kind === 'indent';
    if (keyword === 'class' && name && hasBody) {
      this.at++;
      const body = this.block(false);
      put(entries, { key: name.text, keyPos: posOf(this.file, name), value: { kind: 'map', entries: body, pos: posOf(this.file, name) } });
    } else if (keyword === 'def' && name?.text === '__init__' && hasBody && !selfOnly) {
      this.at++;
      for (const e of this.block(true)) put(entries, e);
    } else {
      this.skipBody();
    }
  }

  private assignment(statement: Token[], selfOnly: boolean, entries: YEntry[]): void {
    const parts = splitTop(statement, '=');
    if (parts.length !== 2) return; // not an assignment, or `a = b = 1` (DVC skips those)
    const [target, value] = parts as [Token[], Token[]];
    const name = targetName(target, selfOnly);
    if (!name || value.length === 0) return;
    try {
      const reader = new LiteralReader(this.file, value);
      const node = reader.value();
      if (!reader.done()) return;
      put(entries, { key: name.text, keyPos: posOf(this.file, name), value: node });
    } catch (e) {
      if (!(e instanceof NotLiteral)) throw e;
    }
  }
}

/** The name an assignment target gives, as DVC's _get_ast_name: `x`, `x: T`, `self.x`. */
function targetName(target: Token[], selfOnly: boolean): Token | undefined {
  const annotated = splitTop(target, ':');
  const t = annotated[0]!;
  if (t.length === 1 && t[0]!.kind === 'name' && !selfOnly) return t[0];
  if (t.length === 3 && t[0]!.text === 'self' && t[1]!.text === '.' && t[2]!.kind === 'name') return t[2];
  return undefined;
}

/** Split tokens at `sep` operators outside brackets. */
function splitTop(tokens: Token[], sep: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'op' && '([{'.includes(t.text)) depth++;
    if (t.kind === 'op' && ')]}'.includes(t.text)) depth--;
    if (t.kind === 'op' && t.text === sep && depth === 0) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts;
}

function posOf(file: string, t: Token): SourcePos {
  return { file, line: t.line, col: t.col };
}

/** A later assignment to the same name replaces the value where the name first appeared. */
function put(entries: YEntry[], entry: YEntry): void {
  const i = entries.findIndex((e) => e.key === entry.key);
  if (i < 0) entries.push(entry);
  else entries[i] = { ...entries[i]!, value: entry.value };
}

/** ast.literal_eval over a token list. */
class LiteralReader {
  private at = 0;

  constructor(private readonly file: string, private readonly tokens: Token[]) {}

  done(): boolean {
    return this.at === this.tokens.length;
  }

  private next(): Token {
    const t = this.tokens[this.at++];
    if (!t) throw new NotLiteral();
    return t;
  }

  private isOp(text: string): boolean {
    const t = this.tokens[this.at];
    return t !== undefined && t.kind === 'op' && t.text === text;
  }

  value(): YNode {
    const t = this.next();
    const pos = posOf(this.file, t);
    if (t.kind === 'string') return this.strings(t, pos);
    if (t.kind === 'number' && typeof t.value === 'number') return { kind: 'scalar', value: t.value, float: t.float === true, pos };
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      const n = this.next();
      if (n.kind !== 'number' || typeof n.value !== 'number') throw new NotLiteral();
      return { kind: 'scalar', value: t.text === '-' ? -n.value : n.value, float: n.float === true, pos };
    }
    if (t.kind === 'name') {
      if (t.text === 'True' || t.text === 'False') return { kind: 'scalar', value: t.text === 'True', float: false, pos };
      if (t.text === 'None') return { kind: 'scalar', value: null, float: false, pos };
      throw new NotLiteral();
    }
    if (t.kind === 'op' && t.text === '[') return { kind: 'seq', items: this.items(']'), pos };
    if (t.kind === 'op' && t.text === '(') return this.parenthesised(pos);
    if (t.kind === 'op' && t.text === '{') return this.braces(pos);
    throw new NotLiteral();
  }

  /** Adjacent string literals concatenate, as in Python. */
  private strings(first: Token, pos: SourcePos): YNode {
    let text = '';
    for (let t = first; ; t = this.next()) {
      if (typeof t.value !== 'string') throw new NotLiteral(); // an f-string or bytes
      text += t.value;
      if (this.tokens[this.at]?.kind !== 'string') break;
    }
    return { kind: 'scalar', value: text, float: false, pos };
  }

  private items(close: string): YNode[] {
    const items: YNode[] = [];
    while (!this.isOp(close)) {
      items.push(this.value());
      if (this.isOp(',')) this.at++;
      else if (!this.isOp(close)) throw new NotLiteral();
    }
    this.at++;
    return items;
  }

  /** `(x)` is x; `(x,)` and `(x, y)` are tuples (lists here, as DVC's YAML dump writes them). */
  private parenthesised(pos: SourcePos): YNode {
    if (this.isOp(')')) {
      this.at++;
      return { kind: 'seq', items: [], pos };
    }
    const first = this.value();
    if (this.isOp(')')) {
      this.at++;
      return first;
    }
    if (!this.isOp(',')) throw new NotLiteral();
    this.at++;
    return { kind: 'seq', items: [first, ...this.items(')')], pos };
  }

  /** `{}` and `{k: v}` are dicts, `{a, b}` a set (a list here). */
  private braces(pos: SourcePos): YNode {
    if (this.isOp('}')) {
      this.at++;
      return { kind: 'map', entries: [], pos };
    }
    const first = this.value();
    if (!this.isOp(':')) {
      if (this.isOp(',')) this.at++;
      else if (!this.isOp('}')) throw new NotLiteral();
      return { kind: 'seq', items: [first, ...this.items('}')], pos };
    }
    const entries: YEntry[] = [];
    for (let key: YNode | undefined = first; key; key = this.isOp('}') ? undefined : this.value()) {
      if (!this.isOp(':') || key.kind !== 'scalar') throw new NotLiteral();
      this.at++;
      put(entries, { key: pythonKey(key.value, key.float), keyPos: key.pos, value: this.value() });
      if (this.isOp(',')) this.at++;
      else if (!this.isOp('}')) throw new NotLiteral();
    }
    this.at++;
    return { kind: 'map', entries, pos };
  }
}

/** A dict key as text: Python's str() of the literal. */
function pythonKey(value: string | number | boolean | null, float: boolean): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' && float && Number.isInteger(value)) return `${value}.0`;
  return String(value);
}
