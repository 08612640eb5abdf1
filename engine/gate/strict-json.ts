// Where a gate file's JSON goes wrong, as line and column: JSON.parse on Node 20 often names no
// position at all, and silently keeps the last of two equal keys (a verdict file with
// `"promote": false, …, "promote": true` would open the gate). Pure; linear in the text.

/** The first problem in `text` as JSON, or undefined when it is valid JSON with unique keys. */
export interface JsonProblem {
  line: number;
  col: number;
  message: string;
}

export function findJsonProblem(text: string): JsonProblem | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.value();
    scanner.space();
    if (scanner.i < text.length) scanner.fail(scanner.i, `unexpected ${scanner.describe(scanner.i)} after the value`);
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.problem;
    throw e;
  }
}

class Stop {
  constructor(readonly problem: JsonProblem) {}
}

// Deeper than any verdict file; a hostile file must not overflow the stack.
const MAX_DEPTH = 512;
const LITERAL = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/;

/** A recursive-descent reader that only checks: it builds nothing but the keys it must compare. */
class JsonScanner {
  i = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  at(index: number, message: string): JsonProblem {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < index && k < this.text.length; k++) {
      if (this.text[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    return { line, col: index - lineStart + 1, message };
  }

  describe(index: number): string {
    return index >= this.text.length ? 'end of file' : `'${this.text[index]}'`;
  }

  fail(index: number, message: string): never {
    throw new Stop(this.at(index, message));
  }

  space(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  value(): void {
    this.space();
    const c = this.text[this.i];
    if ((c === '{' || c === '[') && this.depth >= MAX_DEPTH) this.fail(this.i, `nested more than ${MAX_DEPTH} levels deep`);
    this.depth++;
    try {
      if (c === '{') this.object();
      else if (c === '[') this.array();
      else if (c === '"') this.string();
      else this.literal();
    } finally {
      this.depth--;
    }
  }

  private string(): string {
    const { text } = this;
    const start = this.i;
    this.i++; // opening quote
    let out = '';
    while (this.i < text.length && text[this.i] !== '"') {
      const c = text[this.i]!;
      if (c < ' ') this.fail(this.i, 'control character in a string');
      if (c === '\\') {
        out += this.escape();
        continue;
      }
      out += c;
      this.i++;
    }
    if (this.i >= text.length) this.fail(start, 'string not closed');
    this.i++;
    return out;
  }

  private escape(): string {
    const { text, i } = this;
    const e = text[i + 1];
    if (e === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) this.fail(i, 'bad \\u escape');
      this.i += 6;
      return String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
    }
    if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(i, 'bad escape in a string');
    this.i += 2;
    return e!;
  }

  private object(): void {
    this.i++;
    const keys = new Map<string, number>();
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    do {
      this.space();
      if (this.text[this.i] !== '"') this.fail(this.i, `expected a key in double quotes, found ${this.describe(this.i)}`);
      const keyAt = this.i;
      const key = this.string();
      const first = keys.get(key);
      if (first !== undefined) {
        const p = this.at(first, '');
        this.fail(keyAt, `duplicate key "${key}" (first at line ${p.line}, column ${p.col})`);
      }
      keys.set(key, keyAt);
      this.space();
      if (this.text[this.i] !== ':') this.fail(this.i, `expected ':' after key "${key}", found ${this.describe(this.i)}`);
      this.i++;
      this.value();
    } while (this.separator('}'));
  }

  private array(): void {
    this.i++;
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    do this.value();
    while (this.separator(']'));
  }

  /** After a member: true on ',' (another follows), false on the closing bracket. */
  private separator(close: '}' | ']'): boolean {
    this.space();
    const c = this.text[this.i];
    this.i++;
    if (c === ',') return true;
    if (c === close) return false;
    return this.fail(this.i - 1, `expected ',' or '${close}', found ${this.describe(this.i - 1)}`);
  }

  private literal(): void {
    const literal = LITERAL.exec(this.text.slice(this.i, this.i + 400));
    if (!literal) this.fail(this.i, `expected a value, found ${this.describe(this.i)}`);
    this.i += literal![0].length;
  }
}
