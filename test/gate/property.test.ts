import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCondition } from '../../engine/gate/parse.js';
import { evaluateCondition } from '../../engine/gate/evaluate.js';
import { UserError } from '../../engine/errors.js';

const POS = { file: 'pipeline.yaml', line: 1, col: 1 };

/** Runs `fn` and passes only when it returns or throws a UserError with a sane position. */
function onlyUserErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    assert.ok(e.pos === undefined || (e.pos.line >= 1 && e.pos.col >= 1), `bad position ${JSON.stringify(e.pos)}`);
  }
}

// Fragments that make near-valid expressions, so the parser's deeper paths are exercised.
const fragment = fc.constantFrom(
  'a', 'b', 'x.y', 'x[0]', 'x["k"]', '.', '[', ']', '(', ')', '==', '!=', '<', '<=', '>', '>=', '=', '&', '|',
  '&&', '||', '!', 'and', 'or', 'not', 'true', 'false', 'null', '1', '-2.5', '1e3', '"s"', "'t'", '"', "'", '\\',
  ' ', '\n', '#', '-', '\u00e9', '\u{1F600}',
);
const soup = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));

const data = { '': { a: true, b: false, x: { y: 1, k: 'v' } } };
const files = { '': 'm.json' };

describe('property: hostile input', () => {
  test('random strings never crash with anything but a UserError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        onlyUserErrors(() => evaluateCondition(parseCondition(text, POS), data, files));
      }),
      { numRuns: 2000 },
    );
  });

  test('token soup never crashes with anything but a UserError', () => {
    fc.assert(
      fc.property(soup, (text) => {
        onlyUserErrors(() => evaluateCondition(parseCondition(text, POS), data, files));
      }),
      { numRuns: 3000 },
    );
  });

  test('long random input parses or fails with a UserError', () => {
    // A parser that backtracked exponentially would never get through these 30 inputs.
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 2000, maxLength: 4000 }), (parts) => {
        onlyUserErrors(() => parseCondition(parts.join(''), POS));
      }),
      { numRuns: 30 },
    );
  });
});

// A reference model: random boolean formulas over a few variables, printed with minimal
// parentheses by the documented precedence, must parse and evaluate like JavaScript does.
type Formula =
  | { op: 'var'; name: string }
  | { op: 'not'; a: Formula }
  | { op: 'and' | 'or' | 'eq' | 'ne'; a: Formula; b: Formula };

const { formula } = fc.letrec<{ formula: Formula }>((tie) => ({
  formula: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('p', 'q', 'r').map((name): Formula => ({ op: 'var', name })),
    tie('formula').map((a): Formula => ({ op: 'not', a })),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const, 'eq' as const, 'ne' as const), a: tie('formula'), b: tie('formula') }),
  ),
}));

const LEVEL = { or: 1, and: 2, eq: 3, ne: 3, not: 4, var: 5 } as const;

function print(f: Formula, symbols: boolean): string {
  const wrap = (child: Formula, min: number): string => {
    const text = print(child, symbols);
    return LEVEL[child.op] < min ? `(${text})` : text;
  };
  switch (f.op) {
    case 'var':
      return f.name;
    case 'not':
      return `${symbols ? '!' : 'not '}${wrap(f.a, LEVEL.not)}`;
    case 'and':
      return `${wrap(f.a, LEVEL.and)} ${symbols ? '&&' : 'and'} ${wrap(f.b, LEVEL.and + 1)}`;
    case 'or':
      return `${wrap(f.a, LEVEL.or)} ${symbols ? '||' : 'or'} ${wrap(f.b, LEVEL.or + 1)}`;
    case 'eq':
    case 'ne':
      // Comparisons do not chain, so both sides must bind tighter.
      return `${wrap(f.a, LEVEL.eq + 1)} ${f.op === 'eq' ? '==' : '!='} ${wrap(f.b, LEVEL.eq + 1)}`;
  }
}

function reference(f: Formula, env: Record<string, boolean>): boolean {
  switch (f.op) {
    case 'var':
      return env[f.name]!;
    case 'not':
      return !reference(f.a, env);
    case 'and':
      return reference(f.a, env) && reference(f.b, env);
    case 'or':
      return reference(f.a, env) || reference(f.b, env);
    case 'eq':
      return reference(f.a, env) === reference(f.b, env);
    case 'ne':
      return reference(f.a, env) !== reference(f.b, env);
  }
}

describe('property: precedence matches a reference model', () => {
  test('minimally parenthesised formulas evaluate like the model', () => {
    fc.assert(
      fc.property(formula, fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (f, p, q, r, symbols) => {
        const env = { p, q, r };
        const text = print(f, symbols);
        const result = evaluateCondition(parseCondition(text, POS), { '': env }, files);
        assert.equal(result.open, reference(f, env), text);
      }),
      { numRuns: 1000 },
    );
  });
});
