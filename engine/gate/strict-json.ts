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
  let i = 0;
  const at = (index: number, message: string): JsonProblem => {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < index && k < text.length; k++) {
      if (text[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    return { line, col: index - lineStart + 1, message };
  };
  const describe = (index: number) => (index >= text.length ? 'end of file' : `'${text[index]}'`);
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  class Stop {
    constructor(readonly problem: JsonProblem) {}
  }
  const fail = (index: number, message: string): never => {
    throw new Stop(at(index, message));
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    while (i < text.length && text[i] !== '"') {
      const c = text[i]!;
      if (c < ' ') fail(i, 'control character in a string');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i, 'bad \\u escape');
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail(i, 'bad escape in a string');
        out += e;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    if (i >= text.length) fail(start, 'string not closed');
    i++;
    return out;
  };
  // Deeper than any verdict file; a hostile file must not overflow the stack.
  const MAX_DEPTH = 512;
  let depth = 0;
  const value = (): void => {
    space();
    const c = text[i];
    if ((c === '{' || c === '[') && depth >= MAX_DEPTH) fail(i, `nested more than ${MAX_DEPTH} levels deep`);
    depth++;
    try {
      container(c);
    } finally {
      depth--;
    }
  };
  const container = (c: string | undefined): void => {
    if (c === '{') {
      i++;
      const keys = new Map<string, number>();
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(i, `expected a key in double quotes, found ${describe(i)}`);
        const keyAt = i;
        const key = string();
        const first = keys.get(key);
        if (first !== undefined) {
          const p = at(first, '');
          fail(keyAt, `duplicate key "${key}" (first at line ${p.line}, column ${p.col})`);
        }
        keys.set(key, keyAt);
        space();
        if (text[i] !== ':') fail(i, `expected ':' after key "${key}", found ${describe(i)}`);
        i++;
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i, `expected ',' or '}', found ${describe(i)}`);
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i, `expected ',' or ']', found ${describe(i)}`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) fail(i, `expected a value, found ${describe(i)}`);
    i += literal![0].length;
  };
  try {
    value();
    space();
    if (i < text.length) fail(i, `unexpected ${describe(i)} after the value`);
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.problem;
    throw e;
  }
}
