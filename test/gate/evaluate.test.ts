import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition } from '../../engine/gate/parse.js';
import { evaluateCondition, describeDecision, formatValue } from '../../engine/gate/evaluate.js';
import type { GateEvaluation } from '../../engine/gate/evaluate.js';
import { UserError } from '../../engine/errors.js';

const POS = { file: 'pipeline.yaml', line: 3, col: 9 };
const ONE_FILE = { '': 'metrics/drift.json' };

/** Evaluates `expr` against one file holding `data`. */
function run(expr: string, data: unknown, stageName = 'train'): GateEvaluation {
  return evaluateCondition(parseCondition(expr, POS), { '': data }, ONE_FILE, { stageName });
}

function evalError(expr: string, data: unknown): UserError {
  try {
    run(expr, data);
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(e.message, /^gate of stage 'train': /);
    return e;
  }
  assert.fail(`expected ${expr} to fail`);
}

describe('evaluateCondition: truth tables', () => {
  const bools = [false, true];
  for (const a of bools) {
    for (const b of bools) {
      test(`a=${a} b=${b}`, () => {
        const data = { a, b };
        assert.equal(run('a and b', data).open, a && b);
        assert.equal(run('a && b', data).open, a && b);
        assert.equal(run('a or b', data).open, a || b);
        assert.equal(run('a || b', data).open, a || b);
        assert.equal(run('not a', data).open, !a);
        assert.equal(run('!a', data).open, !a);
        assert.equal(run('not a and b', data).open, !a && b);
        assert.equal(run('not (a and b)', data).open, !(a && b));
        assert.equal(run('a == b', data).open, a === b);
        assert.equal(run('a != b', data).open, a !== b);
        assert.equal(run('not a == b', data).open, !a === b);
      });
    }
  }

  test('three-operand precedence: a or b and c', () => {
    for (let mask = 0; mask < 8; mask++) {
      const a = Boolean(mask & 1);
      const b = Boolean(mask & 2);
      const c = Boolean(mask & 4);
      assert.equal(run('a or b and c', { a, b, c }).open, a || (b && c), `mask ${mask}`);
      assert.equal(run('(a or b) and c', { a, b, c }).open, (a || b) && c, `mask ${mask}`);
    }
  });

  test('number comparisons', () => {
    const data = { f1: 0.9, n: 3 };
    const expected: [string, boolean][] = [
      ['f1 > 0.8', true],
      ['f1 >= 0.9', true],
      ['f1 < 0.9', false],
      ['f1 <= 0.9', true],
      ['f1 == 0.9', true],
      ['f1 != 0.9', false],
      ['n == 3.0', true],
      ['n > -1', true],
      ['n < 1e1', true],
      ['0.5 < f1', true],
    ];
    for (const [expr, open] of expected) assert.equal(run(expr, data).open, open, expr);
  });

  test('string comparisons', () => {
    const data = { status: 'drifted', version: 'b' };
    assert.equal(run('status == "drifted"', data).open, true);
    assert.equal(run("status != 'drifted'", data).open, false);
    assert.equal(run('version > "a"', data).open, true);
    assert.equal(run('version <= "a"', data).open, false);
  });

  test('null compares with anything for equality', () => {
    assert.equal(run('x == null', { x: null }).open, true);
    assert.equal(run('x != null', { x: 0 }).open, true);
    assert.equal(run('x == null', { x: 'null' }).open, false);
    assert.equal(run('null == null', {}).open, true);
  });

  test('literal conditions', () => {
    assert.equal(run('true', {}).open, true);
    assert.equal(run('false or true', {}).open, true);
    assert.deepEqual(run('not true', {}).values, {});
  });

  test('paths through lists, quoted keys and nesting', () => {
    const data = { features: { light: { drifted: true } }, hist: [{ f1: 0.7 }, { f1: 0.95 }], 'my key': { 'x.y': 1 } };
    assert.equal(run('features.light.drifted', data).open, true);
    assert.equal(run('hist[1].f1 > 0.9 and hist.0.f1 < 0.8', data).open, true);
    assert.equal(run('["my key"]["x.y"] == 1', data).open, true);
  });

  test('a numeric segment reads an object key spelled with digits', () => {
    assert.equal(run('by_year.2024 > 1', { by_year: { '2024': 2 } }).open, true);
  });
});

describe('evaluateCondition: values read', () => {
  test('values map each path read to its value, in reading order', () => {
    const result = run('dataset_drift or new_data_fraction > 0.1', { dataset_drift: false, new_data_fraction: 0.12 });
    assert.equal(result.open, true);
    assert.deepEqual(result.values, { dataset_drift: false, new_data_fraction: 0.12 });
    assert.deepEqual(Object.keys(result.values), ['dataset_drift', 'new_data_fraction']);
  });

  test('short-circuit: the skipped side is neither read nor required', () => {
    const orResult = run('enabled or missing.key', { enabled: true });
    assert.deepEqual(orResult, { open: true, values: { enabled: true } });
    const andResult = run('enabled and missing.key > 1', { enabled: false });
    assert.deepEqual(andResult, { open: false, values: { enabled: false } });
  });

  test('a path read twice is recorded once', () => {
    assert.deepEqual(run('x > 1 and x < 5', { x: 3 }).values, { x: 3 });
  });

  test('describeDecision formats the values for the skip message', () => {
    assert.equal(describeDecision({ dataset_drift: false, new_data_fraction: 0.12 }), 'dataset_drift = false, new_data_fraction = 0.12');
    assert.equal(describeDecision({ status: 'ok', x: null, l: [1, 2] }), 'status = "ok", x = null, l = [1,2]');
    assert.equal(describeDecision({}), '');
    const long = formatValue({ text: 'x'.repeat(100) });
    assert.equal(long.length, 60);
    assert.ok(long.endsWith('…'));
  });
});

describe('evaluateCondition: missing paths are errors naming path and file', () => {
  test('top-level key', () => {
    const error = evalError('dataset_drift', { drift: true });
    assert.equal(error.message, "gate of stage 'train': 'dataset_drift' not found in metrics/drift.json");
    assert.deepEqual(error.pos, POS);
    assert.match(error.details[0]!, /the file has no key 'dataset_drift' \(keys: drift\)/);
  });

  test('nested key, with a did-you-mean hint', () => {
    const error = evalError('a and metrics.f1 > 0.5', { a: true, metrics: { f_1: 0.9, acc: 1 } });
    assert.equal(error.message, "gate of stage 'train': 'metrics.f1' not found in metrics/drift.json");
    assert.deepEqual(error.pos, { ...POS, col: POS.col + 6 });
    assert.match(error.details[0]!, /'metrics' has no key 'f1' \(did you mean 'f_1'\?\)/);
  });

  test('index out of range, key into a scalar, string key into a list', () => {
    assert.match(evalError('h[2]', { h: [true] }).details[0]!, /'h' has 1 item, so \[2\] is out of range/);
    assert.match(evalError('a.b.c', { a: { b: 3 } }).details[0]!, /'a\.b' is a number \(3\), which has no key 'c'/);
    assert.match(evalError('h["x"]', { h: [] }).details[0]!, /'h' is a list; index it with a number/);
  });

  test('a file that is not an object', () => {
    assert.match(evalError('x', 'hello').details[0]!, /the file is a string \("hello"\), which has no key 'x'/);
    assert.match(evalError('x', null).details[0]!, /the file is null/);
  });

  test('Python-style literals get a hint', () => {
    assert.match(evalError('x == True', { x: true }).details[0]!, /for the literal write true/);
  });

  test('inherited object properties are not found', () => {
    assert.match(evalError('constructor', {}).message, /'constructor' not found/);
    assert.match(evalError('__proto__', {}).message, /'__proto__' not found/);
  });

  test('without a stage name the prefix is plain', () => {
    assert.throws(
      () => evaluateCondition(parseCondition('x', POS), { '': {} }, ONE_FILE),
      (e: unknown) => e instanceof UserError && e.message === "gate: 'x' not found in metrics/drift.json",
    );
  });
});

describe('evaluateCondition: type errors', () => {
  test('bare non-boolean values are errors, not truthy/falsy', () => {
    const stringError = evalError('flag', { flag: 'false' });
    assert.equal(
      stringError.message,
      `gate of stage 'train': 'flag' is a string ("false"), not true or false; compare it explicitly, e.g. flag == "false"`,
    );
    assert.match(evalError('n', { n: 0 }).message, /'n' is a number \(0\), not true or false; compare it explicitly, e.g\. n > 0/);
    assert.match(evalError('n', { n: null }).message, /'n' is null \(null\), not true or false; .* n != null/);
    assert.match(evalError('o', { o: {} }).message, /'o' is an object/);
    assert.match(evalError('not l', { l: [] }).message, /'l' is a list/);
    assert.match(evalError('x and 1', { x: true }).message, /1 is not a condition; only true or false is/);
  });

  test('comparing a number with a string names both sides', () => {
    const error = evalError('f1 < "high"', { f1: 0.93 });
    assert.equal(error.message, `gate of stage 'train': cannot compare a number with a string: f1 (= 0.93) < "high"`);
    assert.deepEqual(error.pos, { ...POS, col: POS.col + 3 });
    assert.match(evalError('f1 == "0.93"', { f1: 0.93 }).message, /cannot compare a number with a string: f1 \(= 0\.93\) == "0\.93"/);
    assert.match(evalError('a == b', { a: '1', b: 1 }).message, /cannot compare a string with a number: a \(= "1"\) == b \(= 1\)/);
  });

  test('booleans and numbers do not mix, and do not order', () => {
    assert.match(evalError('flag == 1', { flag: true }).message, /cannot compare a boolean with a number/);
    assert.match(evalError('flag > false', { flag: true }).message, /'>' needs numbers or strings, not booleans/);
    assert.match(evalError('x < null', { x: null }).message, /'<' needs numbers or strings, not null/);
    assert.match(evalError('x >= null', { x: 1 }).message, /cannot compare a number with null/);
  });

  test('lists and objects cannot be compared', () => {
    assert.match(evalError('l == 1', { l: [1] }).message, /cannot compare 'l': it is a list; compare one of its items/);
    assert.match(evalError('null != o', { o: { a: 1 } }).message, /cannot compare 'o': it is an object; compare one of its fields/);
  });
});

describe('evaluateCondition: several files', () => {
  const files = { drift: 'metrics/drift.json', eval: 'reports/eval.yaml' };
  const data = { drift: { dataset_drift: true, share: 0.3 }, eval: { f1: 0.7 } };
  const decide = (expr: string, d: Record<string, unknown> = data): GateEvaluation =>
    evaluateCondition(parseCondition(expr, POS), d, files, { stageName: 'train' });

  test('the first segment picks the file', () => {
    assert.deepEqual(decide('drift.dataset_drift and eval.f1 < 0.8'), {
      open: true,
      values: { 'drift.dataset_drift': true, 'eval.f1': 0.7 },
    });
    assert.equal(decide('drift.share > 0.5 or eval.f1 > 0.9').open, false);
  });

  test('a missing path names the right file', () => {
    assert.throws(
      () => decide('drift.dataset_drift and eval.accuracy > 0.5'),
      (e: unknown) =>
        e instanceof UserError &&
        e.message === "gate of stage 'train': 'eval.accuracy' not found in reports/eval.yaml" &&
        /'eval' has no key 'accuracy'/.test(e.details[0] ?? ''),
    );
  });

  test('an unknown alias is an error with a hint', () => {
    assert.throws(
      () => decide('drfit.dataset_drift'),
      (e: unknown) => e instanceof UserError && /'drfit\.dataset_drift' reads 'drfit', which is not one of the gate's files \(drift, eval\); did you mean 'drift'\?/.test(e.message),
    );
  });

  test('a bare alias is the whole file, which is not a condition', () => {
    assert.throws(() => decide('drift'), (e: unknown) => e instanceof UserError && /'drift' is an object/.test(e.message));
  });
});
