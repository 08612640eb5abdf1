import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { oneError, resolveText, stage, userErrors } from './helpers.js';

const PARAMS = 'train:\n  lr: 0.01\n  layers: [64, 32]\nseed: 7\n';

describe('declared params', () => {
  test('keys of params.yaml resolve to their values', () => {
    const text = 'stages:\n  t:\n    cmd: x\n    params:\n      - train.lr\n      - seed\n      - train.layers.1\n';
    assert.deepEqual(stage(resolveText(text, { 'params.yaml': PARAMS }), 't').params, {
      'params.yaml': { 'train.lr': 0.01, seed: 7, 'train.layers.1': 32 },
    });
  });

  test('a whole file, written with a null value', () => {
    const text = 'stages:\n  t:\n    cmd: x\n    params:\n      - params.yaml:\n      - seed\n';
    assert.deepEqual(stage(resolveText(text, { 'params.yaml': PARAMS }), 't').params, {
      'params.yaml': { train: { lr: 0.01, layers: [64, 32] }, seed: 7 },
    });
  });

  test('other files by format, relative to wdir', () => {
    const text = [
      'stages:',
      '  t:',
      '    cmd: x',
      '    wdir: sub',
      '    params:',
      '      - conf/c.json: [a.b]',
      '      - ../lens.toml: [random.seed]',
      '      - k',
    ].join('\n');
    const files = { 'sub/conf/c.json': '{"a": {"b": [1, 2]}}', 'lens.toml': '[random]\nseed = 42\n', 'sub/params.yaml': 'k: v\n' };
    assert.deepEqual(stage(resolveText(text, files), 't').params, {
      'sub/conf/c.json': { 'a.b': [1, 2] },
      'lens.toml': { 'random.seed': 42 },
      'sub/params.yaml': { k: 'v' },
    });
  });

  test('a missing key is an error at the entry', () => {
    const text = 'stages:\n  t:\n    cmd: x\n    params:\n      - train.momentum\n';
    oneError(() => resolveText(text, { 'params.yaml': PARAMS }), /param 'train\.momentum' of stage 't' not found in 'params\.yaml'/, [5, 9]);
  });

  test('a missing file is no load error: an earlier stage may write it; the stage records it as missing', () => {
    const text = 'stages:\n  t:\n    cmd: x\n    params:\n      - conf.yaml: [a]\n';
    const s = stage(resolveText(text), 't');
    assert.deepEqual(s.paramsMissing, ['conf.yaml']);
    assert.deepEqual(s.paramSources, [{ file: 'conf.yaml', keys: ['a'] }]);
    assert.deepEqual(s.params, {});
  });

  test("missingParams 'omit' leaves missing ones out instead", () => {
    const text = 'stages:\n  t:\n    cmd: x\n    params:\n      - conf.yaml: [a]\n      - seed\n      - nope\n';
    const s = stage(resolveText(text, { 'params.yaml': PARAMS }, { missingParams: 'omit' }), 't');
    assert.deepEqual(s.params, { 'params.yaml': { seed: 7 } });
  });

  test('every missing param is reported', () => {
    const text = 'stages:\n  a:\n    cmd: x\n    params: [x1]\n  b:\n    cmd: y\n    params: [x2]\n';
    assert.equal(userErrors(() => resolveText(text, { 'params.yaml': PARAMS })).length, 2);
  });

  test('a broken params file is an error at the pipeline line naming it, with the place in that file', () => {
    const text = 'stages:\n  t:\n    cmd: x\n    params: [a]\n';
    const e = oneError(() => resolveText(text, { 'params.yaml': 'a: [1\n' }), /params file 'params.yaml' of stage 't': invalid YAML/);
    assert.deepEqual([e.pos?.file, e.pos?.line], ['pipeline.yaml', 4]);
    assert.match(e.details[0] ?? '', /^in params\.yaml:\d+:\d+$/);
  });

  test('a broken vars file is an error at the vars line, with the place in that file', () => {
    const text = 'vars:\n  - conf.yaml\nstages:\n  t:\n    cmd: x\n';
    const e = oneError(() => resolveText(text, { 'conf.yaml': 'a: [1\n' }), /failed to parse 'vars': 'conf.yaml': invalid YAML/);
    assert.deepEqual([e.pos?.file, e.pos?.line], ['pipeline.yaml', 2]);
    assert.match(e.details[0] ?? '', /^in conf\.yaml:\d+:\d+$/);
  });

  test('a vars file above the root is read there; a missing one is missing, not outside', () => {
    const text = 'vars:\n  - ../shared.yaml\nstages:\n  t:\n    cmd: echo ${lr}\n';
    const p = resolveText(text, { '../shared.yaml': 'lr: 0.5\n' }, { file: 'dvc.yaml' });
    assert.equal(p.stages[0]!.cmd[0], 'echo 0.5');
    oneError(() => resolveText(text, {}, { file: 'dvc.yaml' }), /^failed to parse 'vars': '\.\.\/shared\.yaml' does not exist$/);
  });

  test('a value used with ${} and also declared is listed once', () => {
    const text = 'stages:\n  t:\n    cmd: train ${train.lr}\n    params: [train]\n';
    assert.deepEqual(stage(resolveText(text, { 'params.yaml': PARAMS }), 't').params, {
      'params.yaml': { train: { lr: 0.01, layers: [64, 32] } },
    });
  });
});

describe('vars', () => {
  test('a vars file, whole or by keys, relative to the pipeline file', () => {
    const text = 'vars:\n  - ../shared.yaml:a\n  - local.yaml\nstages:\n  t:\n    cmd: run ${a} ${b.c}\n';
    const files = { 'shared.yaml': 'a: 1\nz: 2\n', 'pipes/local.yaml': 'b: {c: 3}\n' };
    const s = stage(resolveText(text, files, { file: 'pipes/dvc.yaml' }), 't');
    assert.deepEqual(s.cmd, ['run 1 3']);
    assert.deepEqual(s.params, { 'shared.yaml': { a: 1 }, 'pipes/local.yaml': { 'b.c': 3 } });
  });

  test('a missing vars file is an error naming it', () => {
    const text = 'vars:\n  - ../params.yaml\nstages:\n  t:\n    cmd: x\n';
    oneError(() => resolveText(text, {}, { file: 'pipeline/dvc.yaml' }), /'\.\.\/params\.yaml' does not exist/, [2, 5]);
  });

  test('redefining a value from params.yaml is an error', () => {
    const text = 'vars:\n  - seed: 8\nstages:\n  t:\n    cmd: x\n';
    oneError(() => resolveText(text, { 'params.yaml': PARAMS }), /cannot redefine 'seed' from 'vars\[0\]' as it already exists in 'params\.yaml'/);
  });

  test('nested mappings merge', () => {
    const text = 'vars:\n  - train: {epochs: 3}\nstages:\n  t:\n    cmd: x ${train.lr} ${train.epochs}\n';
    assert.deepEqual(stage(resolveText(text, { 'params.yaml': PARAMS }), 't').cmd, ['x 0.01 3']);
  });

  test('stage vars, relative to the stage wdir', () => {
    const text = 'stages:\n  t:\n    wdir: w\n    vars:\n      - v.yaml\n      - out: o.txt\n    cmd: x ${k}\n    outs:\n      - ${out}\n';
    const s = stage(resolveText(text, { 'w/v.yaml': 'k: 1\n' }), 't');
    assert.deepEqual(s.cmd, ['x 1']);
    assert.equal(s.outs[0]!.path, 'w/o.txt');
  });

  test('interpolation inside vars is refused', () => {
    oneError(() => resolveText('vars:\n  - a: ${b}\nstages: {}\n'), /interpolating is not allowed in 'vars'/, [2, 8]);
  });

  test('stage vars cannot redefine item in a foreach', () => {
    const text = 'stages:\n  t:\n    foreach: [a]\n    do:\n      vars:\n        - item: z\n      cmd: x\n';
    oneError(() => resolveText(text), /attempted to modify reserved key 'item'/);
  });
});

describe('top-level sections', () => {
  test('params, metrics, plots and artifacts are kept', () => {
    const text = [
      'params:',
      '  - results/params.yaml',
      'metrics:',
      '  - results/metrics.json',
      'plots:',
      '  - results/plots/loss.tsv',
      '  - Accuracy:',
      '      x: step',
      '      y: {results/acc.tsv: acc}',
      'artifacts:',
      '  model:',
      '    path: models/m.pkl',
      '    type: model',
    ].join('\n');
    const p = resolveText(text, {}, { file: 'sub/dvc.yaml' });
    assert.deepEqual(p.params, ['sub/results/params.yaml']);
    assert.deepEqual(p.metrics, ['sub/results/metrics.json']);
    assert.deepEqual(p.plots.map((x) => [x.id, x.props]), [
      ['results/plots/loss.tsv', {}],
      ['Accuracy', { x: 'step', y: { 'results/acc.tsv': 'acc' } }],
    ]);
    assert.deepEqual(p.artifacts, { model: { path: 'models/m.pkl', type: 'model' } });
    assert.deepEqual(p.stages, []);
  });
});
