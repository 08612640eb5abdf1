import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePipeline } from '../../engine/pipeline/resolve.js';
import { diffTable, metricFiles, metricsShowTable } from '../../engine/report/metrics.js';
import { paramsFiles, usedParams } from '../../engine/report/params.js';

const PIPELINE = `stages:
  train:
    cmd: python train.py --lr \${train.lr}
    params: [train.epochs, {extra.yaml: [opt]}]
    outs: [model.bin]
    metrics: [eval/metrics.json, {scores.json: {cache: false}}]
metrics: [summary.json, scores.json]
params: [other.yaml]
`;

const FILES: Record<string, string> = {
  'params.yaml': 'train:\n  lr: 0.1\n  epochs: 3\nunused: 1\n',
  'extra.yaml': 'opt:\n  name: adam\n  beta: [0.9, 0.99]\n',
};

const pipeline = resolvePipeline({ file: 'pipeline.yaml', text: PIPELINE, readFile: (p) => FILES[p] });

describe('metrics and params of a pipeline', () => {
  test('metric files: stage metrics then top-level ones, each once', () => {
    assert.deepEqual(metricFiles(pipeline), ['eval/metrics.json', 'scores.json', 'summary.json']);
  });

  test('used params: declared and interpolated, subtrees flattened', () => {
    assert.deepEqual(usedParams(pipeline), {
      'params.yaml': { 'train.epochs': 3, 'train.lr': 0.1 },
      'extra.yaml': { 'opt.name': 'adam', 'opt.beta.0': 0.9, 'opt.beta.1': 0.99 },
    });
    assert.deepEqual(paramsFiles(pipeline), ['params.yaml', 'extra.yaml', 'other.yaml']);
    assert.deepEqual(paramsFiles(undefined), ['params.yaml']);
  });
});

describe('report tables', () => {
  test('diff table rows show old, new and change', () => {
    const table = diffTable([{ path: 'm.json', key: 'acc', old: 0.8, new: 0.85, change: 0.05 }, { path: 'm.json', key: 'n', old: undefined, new: 'x' }], { old: 'HEAD~1', new: 'workspace' }, 'Metric');
    assert.deepEqual(table, {
      headers: ['Path', 'Metric', 'HEAD~1', 'workspace', 'Change'],
      rows: [['m.json', 'acc', '0.8', '0.85', '+0.05'], ['m.json', 'n', '-', 'x', '-']],
    });
  });

  test('show table has a Revision column only for several revisions', () => {
    const one = metricsShowTable([{ label: 'workspace', commit: undefined, values: { 'm.json': { acc: 0.5 } }, errors: [] }]);
    assert.deepEqual(one, { headers: ['Path', 'Metric', 'Value'], rows: [['m.json', 'acc', '0.5']] });
    const two = metricsShowTable([
      { label: 'workspace', commit: undefined, values: { 'm.json': { acc: 0.5 } }, errors: [] },
      { label: 'abc1234', commit: 'abc1234', values: {}, errors: [] },
    ]);
    assert.deepEqual(two.rows, [['workspace', 'm.json', 'acc', '0.5'], ['abc1234', '-', '-', '-']]);
  });
});
