import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition, MAX_CONDITION_LENGTH, MAX_NESTING_DEPTH } from '../../engine/gate/parse.js';
import { referencedPaths, checkGateAliases } from '../../engine/gate/paths.js';
import { renderPath } from '../../engine/gate/ast.js';
import type { Condition } from '../../engine/gate/ast.js';
import { UserError, UserErrors } from '../../engine/errors.js';

const POS = { file: 'pipeline.yaml', line: 7, col: 11 };

/** A compact, fully parenthesised rendering of the tree, to assert on its shape. */
function show(node: Condition): string {
  switch (node.kind) {
    case 'path':
      return node.text;
    case 'literal':
      return JSON.stringify(node.value);
    case 'not':
      return `(not ${show(node.operand)})`;
    case 'compare':
      return `(${show(node.left)} ${node.op} ${show(node.right)})`;
    case 'and':
    case 'or':
      return `(${node.operands.map(show).join(` ${node.kind} `)})`;
  }
}

const parse = (expr: string): Condition => parseCondition(expr, POS);

/** Parses and expects a UserError; returns it for assertions on message and position. */
function syntaxError(expr: string, pos = POS): UserError {
  try {
    parseCondition(expr, pos);
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(e.message, /^bad gate condition: /);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(expr)} not to parse`);
}

describe('parseCondition: constructs', () => {
  test('bare and dotted paths', () => {
    assert.deepEqual(parse('dataset_drift'), {
      kind: 'path',
      segments: ['dataset_drift'],
      text: 'dataset_drift',
      start: 0,
      end: 13,
      pos: POS,
    });
    const nested = parse('features.light.drifted');
    assert.equal(nested.kind, 'path');
    assert.deepEqual(nested.kind === 'path' && nested.segments, ['features', 'light', 'drifted']);
  });

  test('list indices, quoted keys, digit and keyword segments', () => {
    const cases: [string, (string | number)[], string][] = [
      ['a.b[0]', ['a', 'b', 0], 'a.b[0]'],
      ['a["my key"]', ['a', 'my key'], 'a["my key"]'],
      ["a['it\\'s']", ['a', "it's"], 'a["it\'s"]'],
      ['a.0.b', ['a', 0, 'b'], 'a[0].b'],
      ['flags.not', ['flags', 'not'], 'flags.not'],
      ['["true"].x', ['true', 'x'], '["true"].x'],
      ['val-loss.last', ['val-loss', 'last'], 'val-loss.last'],
      ['m[0][1]["k"]', ['m', 0, 1, 'k'], 'm[0][1].k'],
      ['données.précision', ['données', 'précision'], 'données.précision'],
    ];
    for (const [expr, segments, text] of cases) {
      const node = parse(expr);
      assert.equal(node.kind, 'path', expr);
      if (node.kind !== 'path') continue;
      assert.deepEqual(node.segments, segments, expr);
      assert.equal(node.text, text, expr);
      assert.equal(node.end, expr.length, expr);
    }
  });

  test('literals: numbers, strings, booleans, null', () => {
    const value = (expr: string): unknown => {
      const node = parse(`x == ${expr}`);
      assert.equal(node.kind, 'compare');
      return node.kind === 'compare' && node.right.kind === 'literal' ? node.right.value : Symbol('not a literal');
    };
    assert.equal(value('42'), 42);
    assert.equal(value('-7'), -7);
    assert.equal(value('0.125'), 0.125);
    assert.equal(value('-2.5e-3'), -0.0025);
    assert.equal(value('1E3'), 1000);
    assert.equal(value('"double"'), 'double');
    assert.equal(value("'single'"), 'single');
    assert.equal(value(`'it\\'s'`), "it's");
    assert.equal(value('"tab\\there \\u00e9"'), 'tab\there é');
    assert.equal(value('""'), '');
    assert.equal(value('true'), true);
    assert.equal(value('false'), false);
    assert.equal(value('null'), null);
  });

  test('every comparison operator', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=']) {
      assert.equal(show(parse(`a ${op} 1`)), `(a ${op} 1)`);
      assert.equal(show(parse(`a${op}1`)), `(a ${op} 1)`, 'no blanks needed');
    }
  });

  test('word and symbol forms of the logical operators are the same', () => {
    assert.equal(show(parse('a and b or not c')), show(parse('a && b || !c')));
    assert.equal(show(parse('a && b || !c')), '((a and b) or (not c))');
  });

  test('and/or chains are flat, not deep', () => {
    assert.equal(show(parse('a and b and c')), '(a and b and c)');
    assert.equal(show(parse('a or b or c or d')), '(a or b or c or d)');
  });

  test('positions of nodes map into the pipeline file', () => {
    const node = parse('a and metrics.f1 >= 0.9');
    assert.equal(node.kind, 'and');
    if (node.kind !== 'and') return;
    const compare = node.operands[1]!;
    assert.equal(compare.kind, 'compare');
    assert.deepEqual(compare.pos, { file: 'pipeline.yaml', line: 7, col: 17 });
    if (compare.kind === 'compare') assert.deepEqual(compare.opPos, { file: 'pipeline.yaml', line: 7, col: 28 });
  });
});

describe('parseCondition: precedence', () => {
  const table: [string, string][] = [
    ['a or b and c', '(a or (b and c))'],
    ['a and b or c', '((a and b) or c)'],
    ['not a and b', '((not a) and b)'],
    ['not a or b', '((not a) or b)'],
    // not binds tighter than a comparison, as `!` does in C.
    ['not a == b', '((not a) == b)'],
    ['!a != true', '((not a) != true)'],
    ['not (a == b)', '(not (a == b))'],
    ['a == 1 and b < 2 or c', '(((a == 1) and (b < 2)) or c)'],
    ['a or b == c and d', '(a or ((b == c) and d))'],
    ['(a or b) and c', '((a or b) and c)'],
    ['not not a', '(not (not a))'],
    ['(((a)))', 'a'],
    ['(a > 1) == (b < 2)', '((a > 1) == (b < 2))'],
  ];
  for (const [expr, shape] of table) {
    test(`${expr}  →  ${shape}`, () => assert.equal(show(parse(expr)), shape));
  }
});

describe('parseCondition: syntax errors point at the offending token', () => {
  // [expression, offset of the error in the expression, message pattern]
  const table: [string, number, RegExp][] = [
    ['dataset_drift ==', 16, /expected a value after '==' \(end of expression\)$/],
    ['a >= ', 4, /expected a value after '>=' \(end of expression\)$/],
    ['a == )', 5, /expected a value after '==' \(found '\)'\)$/],
    ['(a and b', 8, /missing '\)' to close the '\(' at column 11 \(end of expression\)$/],
    ['((a) or b', 9, /missing '\)' to close the '\(' at column 11/],
    ['(a b)', 3, /expected '\)' to close the '\(' at column 11, or an operator, after 'a' \(found 'b'\)/],
    ['a and b)', 7, /unexpected '\)' without a matching '\('/],
    [')', 0, /expected a condition \(found '\)'\)/],
    ['()', 1, /expected a condition after '\(' \(found '\)'\)/],
    ['a = 1', 2, /unknown operator '=' \(use '==' to compare\)/],
    ['a === 1', 2, /unknown operator '===' \(use '=='\)/],
    ['a !== 1', 2, /unknown operator '!==' \(use '!='\)/],
    ['a => 1', 2, /unknown operator '=>' \(use '>='\)/],
    ['a <> 1', 2, /unknown operator '<>' \(use '!='\)/],
    ['a & b', 2, /unknown operator '&' \(use 'and' or '&&'\)/],
    ['a | b', 2, /unknown operator '\|' \(use 'or' or '\|\|'\)/],
    ['a == "abc', 5, /unterminated string \(no closing " on this line\)/],
    ["a == 'abc\\'", 5, /unterminated string \(no closing ' on this line\)/],
    ['a == "x\\qy"', 7, /unknown escape '\\q' in string/],
    ['a == "\\u12"', 6, /'\\u' needs four hex digits/],
    ['', 0, /the condition is empty/],
    ['   ', 0, /the condition is empty/],
    ['a b', 2, /expected 'and', 'or' or a comparison after 'a' \(found 'b'\)/],
    ['a < b < c', 6, /comparisons cannot be chained \('<' then '<'\); join them with 'and'/],
    ['a and', 5, /expected a condition after 'and' \(end of expression\)/],
    ['a or or b', 5, /expected a condition after 'or' \(found 'or'\)/],
    ['not', 3, /expected a condition after 'not' \(end of expression\)/],
    ['a.', 2, /expected a key after '\.' \(end of expression\)/],
    ['a.["x"]', 2, /expected a key after '\.' \(found '\['\)/],
    ['a[', 2, /expected a list index or a quoted key after '\[' \(end of expression\)/],
    ['a[x]', 2, /expected a list index or a quoted key after '\[' \(found 'x'\)/],
    ['a[0', 3, /expected '\]' after '0' \(end of expression\)/],
    ['a[1.5]', 2, /a list index must be a whole number 0 or more \(found '1\.5'\)/],
    ['a[-1]', 2, /a list index must be a whole number 0 or more \(found '-1'\)/],
    ['a == 1abc', 5, /bad number '1abc'/],
    ['a == 1.2.3', 5, /bad number '1\.2\.3'/],
    ['a == 1e999', 5, /number '1e999' is out of range/],
    ['a == .5', 5, /found '\.5'; write 0\.5/],
    ['a == -', 5, /unexpected character '-'/],
    ['a # comment', 2, /unexpected character '#'/],
    ['a == \u0001', 5, /unexpected character U\+0001/],
    ['a .b', 2, /expected 'and', 'or' or a comparison after 'a' \(found '\.'\)/],
    ['true.x', 4, /expected 'and', 'or' or a comparison after 'true' \(found '\.'\)/],
  ];
  for (const [expr, offset, message] of table) {
    test(`${JSON.stringify(expr)} fails at offset ${offset}`, () => {
      const error = syntaxError(expr);
      assert.match(error.message, message);
      assert.deepEqual(error.pos, { file: 'pipeline.yaml', line: 7, col: POS.col + offset });
    });
  }

  test('format() gives file:line:col and the message', () => {
    assert.equal(
      syntaxError('dataset_drift ==').format(),
      "pipeline.yaml:7:27: bad gate condition: expected a value after '==' (end of expression)",
    );
  });

  test('multi-line expressions report the line and column within the block', () => {
    const error = (() => {
      try {
        parseCondition('a and\nb ==\n', { file: 'p.yaml', line: 4, col: 5 }, { continuationCol: 5 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof UserError);
    // End of `b ==` on the second line: offset 4 in that line, continuation lines start at column 5.
    assert.deepEqual(error.pos, { file: 'p.yaml', line: 5, col: 9 });
    const unclosed = syntaxError('(a or\nb', { file: 'p.yaml', line: 2, col: 3 });
    assert.match(unclosed.message, /the '\(' at line 2, column 3/);
    assert.deepEqual(unclosed.pos, { file: 'p.yaml', line: 3, col: 2 });
  });
});

describe('parseCondition: bounds', () => {
  test(`nesting up to ${MAX_NESTING_DEPTH} levels is fine`, () => {
    const depth = MAX_NESTING_DEPTH;
    assert.equal(show(parse('('.repeat(depth) + 'a' + ')'.repeat(depth))), 'a');
    assert.equal(parse('not '.repeat(depth) + 'a').kind, 'not');
  });

  test('a 10,000-deep ((((… gives a clear error, not a stack overflow', () => {
    const expr = '('.repeat(10_000);
    assert.ok(expr.length <= MAX_CONDITION_LENGTH, 'the depth limit, not the length limit, must trip');
    const error = syntaxError(expr);
    assert.match(error.message, /nested too deeply \(more than 100 levels of parentheses and 'not'\)/);
    assert.equal(error.pos?.col, POS.col + MAX_NESTING_DEPTH);
  });

  test('deep not/! chains are bounded too', () => {
    assert.match(syntaxError('!'.repeat(5000) + 'a').message, /nested too deeply/);
    assert.match(syntaxError('not '.repeat(MAX_NESTING_DEPTH + 1) + 'a').message, /nested too deeply/);
  });

  test('long flat chains parse (they are not deep)', () => {
    const expr = Array.from({ length: 1000 }, (_, i) => `k${i}`).join(' and ');
    assert.ok(expr.length < MAX_CONDITION_LENGTH);
    const node = parse(expr);
    assert.equal(node.kind === 'and' && node.operands.length, 1000);
  });

  test('over-long expressions are refused', () => {
    const error = syntaxError('a'.repeat(MAX_CONDITION_LENGTH + 1));
    assert.match(error.message, /too long \(10001 characters; at most 10000\)/);
    assert.equal(error.pos?.col, POS.col);
  });
});

describe('referencedPaths and aliases', () => {
  test('single-file form: alias is empty and the path is whole', () => {
    const refs = referencedPaths(parse('dataset_drift or data.fraction[0] > 0.1'), { '': 'metrics/drift.json' });
    assert.deepEqual(
      refs.map(({ alias, path, text }) => ({ alias, path, text })),
      [
        { alias: '', path: ['dataset_drift'], text: 'dataset_drift' },
        { alias: '', path: ['data', 'fraction', 0], text: 'data.fraction[0]' },
      ],
    );
    assert.deepEqual(refs[1]!.pos, { file: 'pipeline.yaml', line: 7, col: POS.col + 17 });
    assert.deepEqual(referencedPaths(parse('x')), [{ alias: '', path: ['x'], text: 'x', pos: POS }], 'no files: single form');
  });

  test('multi-file form: the first segment is the alias', () => {
    const refs = referencedPaths(parse('drift.dataset_drift and not eval["f1 score"] < 0.8 and drift.x'), {
      drift: 'd.json',
      eval: 'e.yaml',
    });
    assert.deepEqual(
      refs.map(({ alias, path, text }) => ({ alias, path, text })),
      [
        { alias: 'drift', path: ['dataset_drift'], text: 'drift.dataset_drift' },
        { alias: 'eval', path: ['f1 score'], text: 'eval["f1 score"]' },
        { alias: 'drift', path: ['x'], text: 'drift.x' },
      ],
    );
  });

  test('literals only: no paths', () => {
    assert.deepEqual(referencedPaths(parse('true and not false')), []);
  });

  test('checkGateAliases accepts known aliases and reports unknown ones at their position', () => {
    const files = { drift: 'd.json', metrics: 'm.json' };
    assert.doesNotThrow(() => checkGateAliases(parse('drift.a and metrics.b > 1'), files));
    assert.doesNotThrow(() => checkGateAliases(parse('anything.at.all'), { '': 'x.json' }));
    try {
      checkGateAliases(parse('drft.a and metrics.b > 1'), files);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof UserError && !(e instanceof UserErrors));
      assert.match(e.message, /reads 'drft\.a', but 'drft' is not one of the gate's files \(drift, metrics\); did you mean 'drift'\?/);
      assert.deepEqual(e.pos, POS);
    }
    assert.throws(
      () => checkGateAliases(parse('x.a or y.b'), files),
      (e: unknown) => e instanceof UserErrors && e.errors.length === 2 && e.errors[1]!.pos?.col === POS.col + 7,
    );
  });

  test('renderPath round-trips through the parser', () => {
    const samples: (string | number)[][] = [['a'], ['a', 0, 'b'], ['my key', 'x'], ['and'], ['a', '0'], ['a', 'b-c'], ['a', 'x"y']];
    for (const segments of samples) {
      const node = parse(renderPath(segments));
      assert.deepEqual(node.kind === 'path' && node.segments, segments, renderPath(segments));
    }
  });
});
