/**
 * `${...}` interpolation in pipeline files: the syntax, and how values become command text.
 *
 * Syntax (as in DVC 3):
 *   - `${name}`, `${group.key}`, `${list[0]}`, `${a.list[2].b}` look a value up in the context:
 *     the params.yaml beside the pipeline file, then `vars`, then `item` / `key` inside a
 *     `foreach` or `matrix` stage. A name that is not there is an error: `Could not find 'x'`.
 *   - `\${` writes a literal `${` (for shell variables: `echo \${HOME}`).
 *   - A string that is exactly one `${...}` takes the value's own type: `foreach: ${langs}` gets
 *     the list, `epochs: ${n}` the number. In longer strings values become text the way DVC
 *     writes them (true/false, None, Python-style floats); a list cannot be put into text, and a
 *     mapping only into `cmd`, where it unpacks into options: `{lr: 0.1, fast: true,
 *     layers: [1, 2]}` gives `--lr 0.1 --fast --layers 1 2` (false booleans are left out).
 *
 * Security: in `cmd`, a parameter value is data, never code. A value containing any character
 * outside `[A-Za-z0-9_./:=@%+,-]` (spaces, quotes, `;`, `$`, backticks, …) is shell-quoted with
 * POSIX single quotes (`'` becomes `'\''`), and an empty value becomes `''`; simple values stay
 * unquoted so commands read as written. Inside "…" the value is backslash-escaped instead, and
 * inside '…' only its own `'` is escaped, so `"${x}"` and `'${x}'` are just as safe. `${raw:expr}` inserts the value exactly as it is, for a
 * parameter that deliberately holds shell syntax (`${raw:extra_flags}`): use it only for values
 * you trust. Outside `cmd` (deps, outs, wdir, params, when) values are inserted unquoted: they
 * are paths and expressions, never given to a shell.
 *
 * A file named `dvc.yaml` is DVC's own format: there values are inserted as they are, exactly as
 * DVC inserts them (substitute.ts, CmdDialect 'dvc'), so the command is the one DVC would run;
 * the quoting above is the rule of `pipeline.yaml`.
 */

/** An interpolation that could not be parsed or applied; the caller adds the position. */
export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export interface Placeholder {
  /** Offset of `$` in the template. */
  start: number;
  /** Offset just after `}`. */
  end: number;
  /** The expression as written between the braces, without a `raw:` prefix. */
  expr: string;
  /** Path segments of the expression: `a.b[0]` → ['a', 'b', '0']. */
  segments: string[];
  /** `${raw:...}`: insert unquoted even in `cmd`. */
  raw: boolean;
}

// DVC's pattern: `${` not preceded by a backslash, up to the first `}` on the same line.
const PLACEHOLDER = /(?<!\\)\$\{([^}\n]*)\}/g;
const RAW_PREFIX = 'raw:';

/** Every `${...}` in `text`, parsed; throws InterpolationError for a malformed expression. */
export function findPlaceholders(text: string): Placeholder[] {
  if (!text.includes('${')) return [];
  const found: Placeholder[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const inner = m[1]!;
    const raw = inner.trimStart().startsWith(RAW_PREFIX);
    const expr = raw ? inner.trimStart().slice(RAW_PREFIX.length) : inner;
    found.push({ start: m.index, end: m.index + m[0].length, expr, segments: parseExpression(expr), raw });
  }
  return found;
}

/** True when `text` contains an interpolation (used to refuse `${}` where DVC does, in vars). */
export function hasPlaceholder(text: string): boolean {
  return /(?<!\\)\$\{[^}\n]*\}/.test(text);
}

/**
 * DVC's expression grammar: word ( '.' word | '[' word ']' )*, where a word is any run of
 * characters other than `.`, `[` and `]`; surrounding spaces of a word are ignored.
 */
export function parseExpression(expr: string): string[] {
  const segments: string[] = [];
  let i = 0;
  const word = (): string => {
    const startAt = i;
    while (i < expr.length && !'.[]'.includes(expr[i]!)) i++;
    const w = expr.slice(startAt, i).trim();
    if (w === '') throw new InterpolationError(`invalid expression '\${${expr}}': expected a name at offset ${startAt}`);
    return w;
  };
  segments.push(word());
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '.') {
      i++;
      segments.push(word());
    } else if (c === '[') {
      i++;
      segments.push(word());
      if (expr[i] !== ']') throw new InterpolationError(`invalid expression '\${${expr}}': missing ']'`);
      i++;
    } else {
      throw new InterpolationError(`invalid expression '\${${expr}}': unexpected '${c}' at offset ${i}`);
    }
  }
  return segments;
}

/** The template is a single `${...}` and nothing else, so the value keeps its type. */
export function isWholeValue(text: string, placeholders: readonly Placeholder[]): boolean {
  return placeholders.length === 1 && placeholders[0]!.start === 0 && placeholders[0]!.end === text.length;
}

/** Literal text between placeholders: `\${` stands for `${`. */
export function unescapeLiteral(text: string): string {
  return text.includes('\\${') ? text.replace(/\\\$\{/g, '${') : text;
}

const SHELL_SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** POSIX single-quoting, skipped for values made only of characters no shell treats specially. */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Python's shlex.quote, character for character (DVC quotes strings of a mapping unpacked into a command so). */
export function pythonShlexQuote(value: string): string {
  if (value === '') return "''";
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Where a placeholder sits in a `cmd` template, as `sh` will read it: outside quotes, inside
 * "…", inside '…', or inside a `…` command substitution. Quoting must fit the place: '…' put
 * inside "…" protects nothing (`"${x}"` with x = `$(id)` would run `id`).
 */
export type ShellContext = 'bare' | 'double' | 'single' | 'backtick';

/**
 * The shell context at each placeholder, from the template's literal text (POSIX sh lexing:
 * backslash escapes, '…', "…", and `$(…)` / `…` that open a fresh context inside "…").
 */
export function shellContexts(text: string, placeholders: readonly Placeholder[]): ShellContext[] {
  // Each frame: its kind, and for `$(…)` the depth of plain parentheses opened inside it.
  const stack: Array<{ kind: ShellContext | 'subst'; parens: number }> = [{ kind: 'bare', parens: 0 }];
  const contexts: ShellContext[] = [];
  let next = 0;
  for (let i = 0; i < text.length; i++) {
    const p = placeholders[next];
    if (p && i === p.start) {
      const top = stack[stack.length - 1]!.kind;
      contexts.push(top === 'subst' ? 'bare' : top);
      next++;
      i = p.end - 1;
      continue;
    }
    const c = text[i]!;
    const top = stack[stack.length - 1]!;
    if (top.kind === 'single') {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      stack.push({ kind: 'subst', parens: 0 });
      i++;
    } else if (c === '`') {
      if (top.kind === 'backtick') stack.pop();
      else stack.push({ kind: 'backtick', parens: 0 });
    } else if (top.kind === 'double') {
      if (c === '"') stack.pop();
    } else if (c === "'") stack.push({ kind: 'single', parens: 0 });
    else if (c === '"') stack.push({ kind: 'double', parens: 0 });
    else if (c === '(') top.parens++;
    else if (c === ')') {
      if (top.kind === 'subst' && top.parens === 0) stack.pop();
      else if (top.parens > 0) top.parens--;
    }
  }
  while (contexts.length < placeholders.length) contexts.push('bare');
  return contexts;
}

/**
 * Quote a value for its place in a command so the shell reads it as one piece of data.
 * Undefined when no quoting is safe there: inside `…` the value's own backquotes and
 * backslashes would be reinterpreted, so such a value must go through `$(…)` instead.
 */
export function shellQuoteIn(context: ShellContext, value: string): string | undefined {
  switch (context) {
    case 'bare':
      return shellQuote(value);
    case 'double':
      return value.replace(/[\\$`"]/g, (ch) => `\\${ch}`);
    case 'single':
      return value.replace(/'/g, `'\\''`);
    case 'backtick':
      return /[`\\]/.test(value) ? undefined : shellQuote(value);
  }
}

/** Assemble a template from its literal parts and the text for each placeholder. */
export function assemble(text: string, placeholders: readonly Placeholder[], pieces: readonly string[]): string {
  let out = '';
  let at = 0;
  placeholders.forEach((p, i) => {
    out += unescapeLiteral(text.slice(at, p.start)) + pieces[i]!;
    at = p.end;
  });
  return out + unescapeLiteral(text.slice(at));
}
