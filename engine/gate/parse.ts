// Recursive-descent parser for gate conditions.
//
//   or      := and (('or' | '||') and)*
//   and     := compare (('and' | '&&') compare)*
//   compare := unary (('==' | '!=' | '<' | '<=' | '>' | '>=') unary)?
//   unary   := ('not' | '!') unary | primary
//   primary := '(' or ')' | number | string | 'true' | 'false' | 'null' | path
//   path    := (word | '[' key ']') ('.' key | '[' key ']')*      (no blanks before '.' / '[')
//
// Precedence is not > comparison > and > or, as in C: `not a == b` means `(not a) == b`; write
// `not (a == b)` for the other. Comparisons do not chain (`a < b < c` is an error).
// Nesting (parentheses and `not`) is limited, and so is the length, so hostile input fails with
// a clear error instead of overflowing the stack.

import type { SourcePos } from '../types.js';
import { UserError } from '../errors.js';
import { KEYWORDS, renderPath } from './ast.js';
import type { CompareOp, Condition, LiteralNode, PathNode, PathSegment } from './ast.js';
import { tokenize } from './lex.js';
import type { Token } from './lex.js';
import { ExpressionSource } from './position.js';

export const MAX_CONDITION_LENGTH = 10_000;
export const MAX_NESTING_DEPTH = 100;

export interface ParseOptions {
  /** Column where continuation lines of a multi-line (block scalar) expression start. */
  continuationCol?: number;
}

const COMPARE_OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * Parse a gate expression. `pos` is where its first character sits in the pipeline file; syntax
 * errors are `UserError`s positioned at the offending token.
 */
export function parseCondition(expr: string, pos: SourcePos, options: ParseOptions = {}): Condition {
  // Checked before anything scans the text, so a huge string costs nothing.
  if (expr.length > MAX_CONDITION_LENGTH) {
    throw new UserError(`bad gate condition: the condition is too long (${expr.length} characters; at most ${MAX_CONDITION_LENGTH})`, { pos });
  }
  const source = new ExpressionSource(expr, pos, options.continuationCol);
  return new Parser(source, tokenize(source)).parseWhole();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly source: ExpressionSource,
    private readonly tokens: Token[],
  ) {}

  parseWhole(): Condition {
    if (this.peek().kind === 'end') throw this.source.syntaxError(0, 'the condition is empty');
    const condition = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') {
      if (isPunct(next, ')')) throw this.source.syntaxError(next.start, "unexpected ')' without a matching '('");
      throw this.source.syntaxError(
        next.start,
        `expected 'and', 'or' or a comparison after '${this.previousText()}' (${describe(next)})`,
      );
    }
    return condition;
  }

  private parseOr(after?: Token): Condition {
    const first = this.parseAnd(after);
    const operands = [first];
    while (isOperator(this.peek(), 'or', '||')) {
      const operator = this.advance();
      operands.push(this.parseAnd(operator));
    }
    if (operands.length === 1) return first;
    return { kind: 'or', operands, ...this.span(first, operands[operands.length - 1]!) };
  }

  private parseAnd(after?: Token): Condition {
    const first = this.parseCompare(after);
    const operands = [first];
    while (isOperator(this.peek(), 'and', '&&')) {
      const operator = this.advance();
      operands.push(this.parseCompare(operator));
    }
    if (operands.length === 1) return first;
    return { kind: 'and', operands, ...this.span(first, operands[operands.length - 1]!) };
  }

  private parseCompare(after?: Token): Condition {
    const left = this.parseUnary(after, 'a condition');
    const opToken = this.peek();
    if (opToken.kind !== 'punct' || !COMPARE_OPS.has(opToken.text)) return left;
    this.advance();
    const right = this.parseUnary(opToken, 'a value');
    const next = this.peek();
    if (next.kind === 'punct' && COMPARE_OPS.has(next.text)) {
      throw this.source.syntaxError(next.start, `comparisons cannot be chained ('${opToken.text}' then '${next.text}'); join them with 'and'`);
    }
    return {
      kind: 'compare',
      op: opToken.text as CompareOp,
      left,
      right,
      opPos: this.source.posAt(opToken.start),
      ...this.span(left, right),
    };
  }

  private parseUnary(after: Token | undefined, expected: string): Condition {
    const token = this.peek();
    if (!isOperator(token, 'not', '!')) return this.parsePrimary(after, expected);
    this.advance();
    this.enter(token);
    const operand = this.parseUnary(token, 'a condition');
    this.depth--;
    return { kind: 'not', operand, start: token.start, end: operand.end, pos: this.source.posAt(token.start) };
  }

  private parsePrimary(after: Token | undefined, expected: string): Condition {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
      case 'string':
        this.advance();
        return this.literal(token, token.value);
      case 'word':
        if (token.text === 'true' || token.text === 'false') {
          this.advance();
          return this.literal(token, token.text === 'true');
        }
        if (token.text === 'null') {
          this.advance();
          return this.literal(token, null);
        }
        if (!KEYWORDS.has(token.text)) return this.parsePath();
        break;
      case 'punct':
        if (token.text === '(') return this.parseParenthesised(token);
        if (token.text === '[') return this.parsePath();
        break;
      default:
        break;
    }
    const where = after ? ` after '${after.text}'` : '';
    const following = this.tokens[this.index + 1];
    if (isPunct(token, '.') && following?.kind === 'segment' && typeof following.value === 'number') {
      throw this.source.syntaxError(token.start, `expected ${expected}${where} (found '.${following.text}'; write 0.${following.text})`);
    }
    throw this.source.syntaxError(token.start, `expected ${expected}${where} (${describe(token)})`);
  }

  private parseParenthesised(open: Token): Condition {
    this.advance();
    this.enter(open);
    const inner = this.parseOr(open);
    this.depth--;
    const close = this.peek();
    if (!isPunct(close, ')')) {
      const opened = `the '(' at ${this.source.describeOffset(open.start)}`;
      const message =
        close.kind === 'end'
          ? `missing ')' to close ${opened} (end of expression)`
          : `expected ')' to close ${opened}, or an operator, after '${this.previousText()}' (${describe(close)})`;
      throw this.source.syntaxError(close.start, message);
    }
    this.advance();
    return inner;
  }

  private parsePath(): PathNode {
    const first = this.peek();
    const segments: PathSegment[] = [];
    if (first.kind === 'word') {
      this.advance();
      segments.push(first.text);
    } else {
      segments.push(this.parseBracket());
    }
    for (;;) {
      const next = this.peek();
      // A path is written without blanks; `a .b` is not a continuation.
      if (next.kind !== 'punct' || next.start !== this.previous().end) break;
      if (next.text === '.') {
        this.advance();
        const key = this.peek();
        if (key.kind !== 'segment') throw this.source.syntaxError(key.start, `expected a key after '.' (${describe(key)})`);
        this.advance();
        segments.push(key.value);
      } else if (next.text === '[') {
        segments.push(this.parseBracket());
      } else {
        break;
      }
    }
    const end = this.previous().end;
    return { kind: 'path', segments, text: renderPath(segments), start: first.start, end, pos: this.source.posAt(first.start) };
  }

  /** `[0]` or `["key"]`, starting at the `[`. */
  private parseBracket(): PathSegment {
    const open = this.advance();
    const key = this.peek();
    let segment: PathSegment;
    if (key.kind === 'string') {
      segment = key.value;
    } else if (key.kind === 'number') {
      if (!/^\d+$/.test(key.text) || !Number.isSafeInteger(key.value)) {
        throw this.source.syntaxError(key.start, `a list index must be a whole number 0 or more (found '${key.text}')`);
      }
      segment = key.value;
    } else {
      throw this.source.syntaxError(key.start, `expected a list index or a quoted key after '${open.text}' (${describe(key)})`);
    }
    this.advance();
    const close = this.peek();
    if (!isPunct(close, ']')) throw this.source.syntaxError(close.start, `expected ']' after '${key.text}' (${describe(close)})`);
    this.advance();
    return segment;
  }

  private literal(token: Token, value: LiteralNode['value']): LiteralNode {
    return { kind: 'literal', value, start: token.start, end: token.end, pos: this.source.posAt(token.start) };
  }

  private span(first: Condition, last: Condition): { start: number; end: number; pos: SourcePos } {
    return { start: first.start, end: last.end, pos: first.pos };
  }

  private enter(token: Token): void {
    this.depth++;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw this.source.syntaxError(
        token.start,
        `the condition is nested too deeply (more than ${MAX_NESTING_DEPTH} levels of parentheses and 'not')`,
      );
    }
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private previous(): Token {
    return this.tokens[this.index - 1]!;
  }

  private previousText(): string {
    return this.previous().text;
  }

  private advance(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }
}

function isPunct(token: Token, text: string): boolean {
  return token.kind === 'punct' && token.text === text;
}

/** `and`/`&&`-style operators: a keyword or its symbol. */
function isOperator(token: Token, word: string, symbol: string): boolean {
  return (token.kind === 'word' && token.text === word) || isPunct(token, symbol);
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'end of expression';
  const text = token.text.length > 20 ? `${token.text.slice(0, 20)}…` : token.text;
  return `found '${text}'`;
}
