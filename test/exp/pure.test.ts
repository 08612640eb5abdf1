import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../../engine/errors.js';
import { applyOverrides, expandGrid, parseSetOption, splitTopLevel } from '../../engine/exp/params-set.js';
import { nextRunnable, stageSignatures } from '../../engine/exp/schedule.js';
import { changedParamColumns, experimentsTable, findMetricColumn, sortByMetric, type ExperimentRow } from '../../engine/exp/table.js';

describe('-S parsing', () => {
  test('values are typed as YAML reads them; commas outside brackets and quotes make a grid', () => {
    assert.deepEqual(parseSetOption('train.lr=0.1'), { file: 'params.yaml', key: 'train.lr', values: [0.1], add: false });
    assert.deepEqual(parseSetOption('train.lr=0.1,0.5,1e-3').values, [0.1, 0.5, 0.001]);
    assert.deepEqual(parseSetOption('a=true,no,null,abc,"x,y"').values, [true, 'no', null, 'abc', 'x,y']);
    assert.deepEqual(parseSetOption('train.l2=[0.1,0.2],[1]').values, [[0.1, 0.2], [1]]);
    assert.deepEqual(parseSetOption('cfg/p.yaml:m.k={a: 1}'), { file: 'cfg/p.yaml', key: 'm.k', values: [{ a: 1 }], add: false });
    assert.equal(parseSetOption('+new.key=1').add, true);
    assert.deepEqual(splitTopLevel("a,'b,c',[d,e]"), ['a', "'b,c'", '[d,e]']);
  });

  test('bad options are user errors', () => {
    for (const bad of ['novalue', '=1', 'a..b=1', '../p.yaml:a=1', 'a=[1']) {
      assert.throws(() => parseSetOption(bad), (e: unknown) => isUserError(e), bad);
    }
  });

  test('grid: the cartesian product, first key slowest; a key given twice is refused', () => {
    const grid = expandGrid([parseSetOption('a=1,2'), parseSetOption('b=x,y,z')]);
    assert.equal(grid.length, 6);
    assert.deepEqual(grid[0], { 'params.yaml': { a: 1, b: 'x' } });
    assert.deepEqual(grid[5], { 'params.yaml': { a: 2, b: 'z' } });
    assert.deepEqual(expandGrid([]), [{}]);
    assert.throws(() => expandGrid([parseSetOption('a=1'), parseSetOption('a=2')]), /given twice/);
  });

  test('applying keeps comments and layout, changes only the values', () => {
    const text = '# top\ntrain:\n  lr: 0.1 # rate\n  l2: [0, 1]\nseed: 1\n';
    assert.equal(applyOverrides('params.yaml', text, { 'train.lr': 0.5, 'train.l2': [2] }), '# top\ntrain:\n  lr: 0.5 # rate\n  l2: [ 2 ]\nseed: 1\n');
    assert.throws(() => applyOverrides('params.yaml', text, { 'train.lrr': 1 }), /has no key 'train\.lrr'/);
    assert.throws(() => applyOverrides('params.yaml', text, { 'seed.x': 1 }, new Set(['params.yaml:seed.x'])), /is a value, not a section/);
    assert.match(applyOverrides('params.yaml', text, { 'train.new': 3 }, new Set(['params.yaml:train.new'])), /new: 3/);
  });
});

describe('scheduling experiments that share a cache', () => {
  const stages = [
    { name: 'prep', params: { 'params.yaml': { 'prep.size': 5 } }, upstream: [] },
    { name: 'train', params: { 'params.yaml': { train: { a: 0, b: 1 } } }, upstream: ['prep'] },
    { name: 'eval', params: { 'params.yaml': { 'eval.scale': 0 } }, upstream: ['train'] },
  ];
  const sig = (a: number, scale: number) => stageSignatures(stages, { 'params.yaml': { 'train.a': a, 'eval.scale': scale } });

  test('a stage is reached by its own params (a section covers its keys) and its upstream', () => {
    const s = sig(1, 2);
    assert.equal(s.has('prep'), false);
    assert.equal(s.get('train'), 'params.yaml:train.a=1');
    assert.equal(s.get('eval'), 'params.yaml:eval.scale=2\nparams.yaml:train.a=1');
  });

  test('two experiments that would run a stage with the same inputs never run side by side', () => {
    // (1,1) runs; (1,2) would repeat its train run, (2,1) would not.
    assert.equal(nextRunnable([sig(1, 2), sig(2, 1)], [sig(1, 1)]), 1);
    assert.equal(nextRunnable([sig(1, 2)], [sig(1, 1)]), -1);
    assert.equal(nextRunnable([sig(1, 2)], []), 0);
  });
});

describe('exp show table', () => {
  const row = (name: string, a: number, score: number | undefined): ExperimentRow => ({
    name,
    commit: name,
    baseline: 'b',
    created: null,
    params: { 'params.yaml': { 'train.a': a, 'train.b': 2 } },
    metrics: score === undefined ? {} : { 'm.json': { score } },
  });
  const base = row('main', 0, 0.5);
  const rows = [row('e1', 1, 0.7), row('e2', 2, undefined), row('e3', 3, 0.9)];

  test('sorting by a metric, rows without it last either way', () => {
    const col = findMetricColumn(rows, 'score');
    assert.deepEqual(sortByMetric(rows, col, 'desc').map((r) => r.name), ['e3', 'e1', 'e2']);
    assert.deepEqual(sortByMetric(rows, col, 'asc').map((r) => r.name), ['e1', 'e3', 'e2']);
    assert.throws(() => findMetricColumn(rows, 'nope'), /no experiment has that metric/);
  });

  test('only params that differ are columns; metrics show the change against the baseline', () => {
    assert.deepEqual(changedParamColumns([base, ...rows]).map((c) => c.key), ['train.a']);
    const table = experimentsTable(base, rows);
    assert.deepEqual(table.headers, ['Experiment', 'score', 'train.a']);
    assert.deepEqual(table.rows[0], ['main (baseline)', '0.5', '0']);
    assert.deepEqual(table.rows[1], ['e1', '0.7 (+0.2)', '1']);
    assert.deepEqual(table.rows[2], ['e2', '-', '2']);
  });

  test('by default only metrics that differ show; --keep, --drop and the sorted column', () => {
    const withExtra = (r: ExperimentRow, extra: Record<string, string | number>): ExperimentRow => ({ ...r, metrics: { ...r.metrics, 'm.json': { ...r.metrics['m.json'], ...extra } } });
    const rows2 = [withExtra(rows[0]!, { same: 1, id: 'a' }), withExtra(rows[2]!, { same: 1, id: 'b' })];
    const b2 = withExtra(base, { same: 1, id: 'z' });
    assert.deepEqual(experimentsTable(b2, rows2).headers, ['Experiment', 'score', 'train.a']);
    assert.deepEqual(experimentsTable(b2, rows2, { allColumns: true }).headers, ['Experiment', 'score', 'same', 'id', 'train.a']);
    assert.deepEqual(experimentsTable(b2, rows2, { drop: /score/ }).headers, ['Experiment', 'train.a'], 'params that differ always show');
    assert.deepEqual(experimentsTable(b2, rows2, { keep: /nothing/, first: { path: 'm.json', key: 'same' } }).headers, ['Experiment', 'same', 'train.a']);
  });
});
