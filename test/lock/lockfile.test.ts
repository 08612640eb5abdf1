import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLock, serializeLock } from '../../engine/lock/lockfile.js';
import { UserError } from '../../engine/errors.js';
import type { LockFile } from '../../engine/types.js';

const lock: LockFile = {
  schema: '1.0',
  stages: {
    train: {
      cmd: ['python train.py'],
      deps: [
        { path: 'z.csv', hash: 'b'.repeat(64), size: 2 },
        { path: 'a.csv', hash: 'a'.repeat(64), size: 1 },
      ],
      params: { 'params.yaml': { 'train.lr': 0.1, 'train.epochs': 3 } },
      outs: [{ path: 'model', hash: 'c'.repeat(64) + '.dir', size: 10, nfiles: 2 }],
      gate: { open: true, expr: 'dataset_drift', values: { dataset_drift: true } },
    },
    prepare: { cmd: ['a', 'b'], deps: [], params: {}, outs: [] },
  },
};

describe('pipeline.lock', () => {
  test('round trip, stages in pipeline order, paths and keys sorted', () => {
    const text = serializeLock(lock, ['prepare', 'train']);
    assert.ok(text.indexOf('prepare:') < text.indexOf('train:'));
    assert.ok(text.indexOf('a.csv') < text.indexOf('z.csv'));
    assert.ok(text.indexOf('train.epochs') < text.indexOf('train.lr'));
    assert.match(text, /cmd: python train\.py\n/);
    const back = parseLock(text);
    assert.deepEqual(back.stages.train!.outs, lock.stages.train!.outs);
    assert.deepEqual(back.stages.train!.gate, lock.stages.train!.gate);
    assert.deepEqual(back.stages.prepare!.cmd, ['a', 'b']);
    assert.equal(serializeLock(back, ['prepare', 'train']), text, 'stable: serialising again gives the same bytes');
  });

  test('damaged locks fail with a position and a hint', () => {
    const bad: [string, RegExp][] = [
      ['schema: "1.0"\nstages:\n  s:\n    cmd: 3\n', /pipeline\.lock:4:\d+: stage 's': `cmd` must be/],
      ['schema: "9.0"\nstages: {}\n', /lock schema 9\.0 is not supported/],
      ['stages: {}\n', /no `schema`/],
      ['schema: "1.0"\nstages:\n  s: [1\n', /pipeline\.lock:\d+:\d+: invalid YAML/],
      ['schema: "1.0"\nstages:\n  s:\n    cmd: x\n    outs:\n      - path: a\n', /needs `hash` and `size`/],
    ];
    for (const [text, message] of bad) {
      assert.throws(
        () => parseLock(text),
        (e: unknown) => e instanceof UserError && message.test(e.format()),
        text,
      );
    }
  });

  test('an alias bomb is refused quickly', () => {
    const bomb = ['schema: "1.0"', 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
    bomb.push('stages:', '  s:', '    cmd: x', '    outs: *j');
    assert.throws(() => parseLock(bomb.join('\n') + '\n'), UserError);
  });

  test('an empty file is an empty lock', () => {
    assert.deepEqual(parseLock('').stages, {});
  });
});

describe('serialising stage by stage', () => {
  test('gives the same bytes as serialising the whole document', async () => {
    const { stringify } = await import('yaml');
    const { serializeLock: serialize, StageBlocks } = await import('../../engine/lock/lockfile.js');
    const multi: LockFile = {
      schema: '1.0',
      stages: {
        ...lock.stages,
        'odd name@x': {
          cmd: ['line one\nline two\n\nafter a blank', "quote ' and \" and: colon"],
          deps: [],
          params: { 'p.yaml': { nested: { list: [1, 'two', { three: 3 }] }, empty: '' } },
          outs: [],
          skipped: true,
          gate: { open: false, expr: 'a', values: { a: false } },
        },
      },
    };
    const order = ['prepare', 'train', 'odd name@x'];
    const text = serialize(multi, order);
    const whole = stringify(
      { schema: '1.0', stages: Object.fromEntries(order.map((n) => [n, parseLock(text).stages[n] && JSON.parse(JSON.stringify(parseLock(text).stages[n]))])) },
      { lineWidth: 0 },
    );
    assert.deepEqual(parseLock(text).stages, parseLock(whole).stages);
    assert.deepEqual(parseLock(text).stages['odd name@x']!.cmd, multi.stages['odd name@x']!.cmd);
    const blocks = new StageBlocks();
    assert.equal(serialize(multi, order, blocks), text);
    assert.equal(serialize(multi, order, blocks), text, 'cached blocks give the same text');
    assert.equal(serialize({ schema: '1.0', stages: {} }, []), 'schema: "1.0"\nstages: {}\n');
  });
});
