import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../../engine/errors.js';
import { applyOverrides, expandGrid, parseSetOption, splitTopLevel } from '../../engine/exp/params-set.js';
import { nextRunnable, stageSignatures } from '../../engine/exp/schedule.js';
import { changedParamColumns, experimentsTable, findMetricColumn, gatherLists, metricDeltas, renderCsv, sortByMetric, type ExperimentRow, type ShowRow } from '../../engine/exp/table.js';
import { configValue } from '../../engine/git/identity.js';

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
    assert.equal(applyOverrides('params.yaml', text, { 'train.lr': 0.5, 'train.l2': [2] }), '# top\ntrain:\n  lr: 0.5 # rate\n  l2: [2]\nseed: 1\n');
    assert.throws(() => applyOverrides('params.yaml', text, { 'train.lrr': 1 }), /has no key 'train\.lrr'/);
    assert.throws(() => applyOverrides('params.yaml', text, { 'seed.x': 1 }, new Set(['params.yaml:seed.x'])), /is a value, not a section/);
    assert.match(applyOverrides('params.yaml', text, { 'train.new': 3 }, new Set(['params.yaml:train.new'])), /new: 3/);
  });
});

describe('params files keep their bytes: only the set values change', () => {
  const text = [
    '# Params (layout kept byte for byte).',
    'train:',
    '  lr: 0.1   # aligned comment',
    '  layers: [1, 2]',
    "  name: 'base'",
    '  schedule: {warmup: 1, decay: 0.5}',
    '  description: a long line that a YAML printer would fold at eighty columns because it is long, very long',
    'prep:',
    '  sizes:',
    '    - 10',
    '    - 20',
    '  empty:',
    '',
  ].join('\n');

  test('an inline value is replaced where it stands; every other line is unchanged', () => {
    const out = applyOverrides('params.yaml', text, { 'train.lr': 0.3, 'train.layers': [4, 8], 'train.name': 'x', 'prep.empty': 5 });
    const before = text.split('\n');
    const after = out.split('\n');
    const changed = before.map((l, i) => (l === after[i] ? undefined : `${l} -> ${after[i]}`)).filter(Boolean);
    assert.deepEqual(changed, ['  lr: 0.1   # aligned comment ->   lr: 0.3   # aligned comment', '  layers: [1, 2] ->   layers: [4, 8]', "  name: 'base' ->   name: 'x'", '  empty: ->   empty: 5']);
  });

  test('a block list set goes through the document without padding flow lists or folding lines', () => {
    const out = applyOverrides('params.yaml', text, { 'prep.sizes': [1] });
    assert.match(out, / {2}layers: \[1, 2\]\n/);
    assert.match(out, /schedule: \{warmup: 1, decay: 0\.5\}/);
    assert.match(out, /description: a long line that a YAML printer would fold at eighty columns because it is long, very long\n/);
    assert.match(out, /# Params \(layout kept byte for byte\)\./);
  });
});

describe('sweeps as Hydra expands them for DVC', () => {
  test('range(): integers as Python range; floats stepped in decimals from the exact binary values', () => {
    assert.deepEqual(parseSetOption('a=range(1,4)').values, [1, 2, 3]);
    assert.deepEqual(parseSetOption('a=range(0,10,3)').values, [0, 3, 6, 9]);
    assert.deepEqual(parseSetOption('a=range(5,1,-2)').values, [5, 3]);
    // What Hydra gives (checked against its FloatRange): the stop is compared with the sum kept
    // to 28 digits, so 0.4 is below Decimal(0.4) and included.
    assert.deepEqual(parseSetOption('train.lr=range(0.1,0.4,0.1)').values, [0.1, 0.2, 0.30000000000000004, 0.4]);
    assert.deepEqual(parseSetOption('a=range(0.1,1,0.1)').values, [0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6, 0.7000000000000001, 0.8, 0.9]);
    assert.deepEqual(parseSetOption('a=range(0,1.5,0.5)').values, [0, 0.5, 1]);
    assert.throws(() => parseSetOption('a=range(1)'), /range\(\) takes start, stop/);
    assert.throws(() => parseSetOption('a=range(1,2,0)'), /step cannot be 0/);
    assert.throws(() => parseSetOption('a=range(3,1)'), /has no values/);
    assert.throws(() => parseSetOption('a=interval(0,1)'), /interval\(\) is not supported/);
  });

  test('choice() is the same as a comma list, values typed as YAML', () => {
    assert.deepEqual(parseSetOption('m=choice(adam,sgd)').values, ['adam', 'sgd']);
    assert.deepEqual(parseSetOption('m=choice(1,[2,3],true)').values, [1, [2, 3], true]);
    assert.equal(expandGrid([parseSetOption('a=range(1,3)'), parseSetOption('b=choice(x,y)')]).length, 4);
  });
});

describe('git identity from config files', () => {
  test('the last user.name of [user] wins; subsections, comments and quotes are handled', () => {
    const text = '[core]\n\tname = no\n[user]\n\tname = First\n[user "x"]\n\tname = Sub\n[User]\n\tname = "Ada  Lovelace" # comment\n\temail = ada@example.org ; c\n';
    assert.equal(configValue(text, 'user', 'name'), 'Ada  Lovelace');
    assert.equal(configValue(text, 'user', 'email'), 'ada@example.org');
    assert.equal(configValue('[user]\n', 'user', 'name'), undefined);
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

  const shown = (b: ExperimentRow, list: ExperimentRow[]): ShowRow[] => [{ ...b, state: 'baseline' }, ...list.map((r) => ({ ...r, state: 'success' as const, deltas: metricDeltas(r, b) }))];

  test('only params that differ are columns; metrics name their file and show the change against the baseline', () => {
    assert.deepEqual(changedParamColumns([base, ...rows]).map((c) => c.key), ['train.a']);
    const table = experimentsTable(shown(base, rows));
    assert.deepEqual(table.headers, ['Experiment', 'Created', 'm.json:score', 'train.a']);
    assert.deepEqual(table.rows[0], ['main (baseline)', '-', '0.5', '0']);
    assert.deepEqual(table.rows[1], ['e1', '-', '0.7 (+0.2)', '1']);
    assert.deepEqual(table.rows[2], ['e2', '-', '-', '2']);
  });

  test('by default only metrics that differ show; --keep, --drop and the sorted column', () => {
    const withExtra = (r: ExperimentRow, extra: Record<string, string | number>): ExperimentRow => ({ ...r, metrics: { ...r.metrics, 'm.json': { ...r.metrics['m.json'], ...extra } } });
    const rows2 = [withExtra(rows[0]!, { same: 1, id: 'a' }), withExtra(rows[2]!, { same: 1, id: 'b' })];
    const b2 = withExtra(base, { same: 1, id: 'z' });
    const headers = (options = {}) => experimentsTable(shown(b2, rows2), options).headers.slice(2);
    assert.deepEqual(headers(), ['m.json:score', 'train.a']);
    assert.deepEqual(headers({ allColumns: true }), ['m.json:score', 'm.json:same', 'm.json:id', 'train.a']);
    assert.deepEqual(headers({ drop: /score/ }), ['train.a'], 'params that differ always show');
    assert.deepEqual(headers({ keep: /nothing/, first: { path: 'm.json', key: 'same' } }), ['m.json:same', 'train.a']);
  });

  test('precision, a State column for queued and failed rows, lists gathered, CSV quoting', () => {
    const r = { ...row('e9', 9, 0.123456789), params: { 'params.yaml': { 'train.a': 9, 'train.b': 2, 'train.l2.0': 0.5, 'train.l2.1': 1 } } };
    const failed: ShowRow = { ...row('bad', 7, undefined), state: 'failed' };
    const table = experimentsTable([...shown(base, [r]), failed], { precision: 3 });
    assert.deepEqual(table.headers, ['Experiment', 'Created', 'State', 'm.json:score', 'train.a', 'train.l2']);
    assert.deepEqual(table.rows[1]!.slice(2), ['', '0.123 (-0.377)', '9', '[0.5, 1]']);
    assert.deepEqual(table.rows[2]!.slice(2, 4), ['Failed', '-']);
    assert.deepEqual(gatherLists({ p: { 'a.0': 1, 'a.1': 2, 'b.1': 3, c: 'x' } }), { p: { a: '[1, 2]', 'b.1': 3, c: 'x' } });
    assert.equal(renderCsv({ headers: ['a', 'b,c'], rows: [['x "y"', '1\n2']] }), 'a,"b,c"\r\n"x ""y""","1\n2"\r\n');
  });
});
