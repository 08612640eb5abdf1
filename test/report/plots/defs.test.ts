import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePipeline } from '../../../engine/pipeline/resolve.js';
import { plotDefinitions, selectPlots, type PlotDefinition } from '../../../engine/report/plots/defs.js';

function definitionsOf(text: string, file = 'pipeline.yaml'): PlotDefinition[] {
  const pipeline = resolvePipeline({ file, text, readFile: () => undefined, missingParams: 'omit' });
  return plotDefinitions(pipeline).map(({ declaredIn: _ignored, ...rest }) => rest);
}

describe('plot definitions from a pipeline', () => {
  test('stage plot outs carry their display properties', () => {
    const defs = definitionsOf(`stages:
  train:
    cmd: python train.py
    plots:
      - logs/loss.csv:
          x: step
          y: [loss, val_loss]
          template: smooth
          title: Loss
          x_label: Epoch
          y_label: Value
          header: true
      - images/confusion.png
`);
    assert.deepEqual(defs, [
      { id: 'logs/loss.csv', sources: [{ file: 'logs/loss.csv', fields: ['loss', 'val_loss'] }], x: { field: 'step' }, template: 'smooth', title: 'Loss', xLabel: 'Epoch', yLabel: 'Value', header: true },
      { id: 'images/confusion.png', sources: [{ file: 'images/confusion.png', fields: [] }] },
    ]);
  });

  test('top-level entries: a file, a file with properties, and an id over several files', () => {
    const defs = definitionsOf(`plots:
  - ./eval/roc.json
  - eval/prc.json:
      x: recall
      y: precision
      template: simple
  - loss_curves:
      x: step
      y:
        train.csv: loss
        val.csv: [loss, acc]
      title: Curves
  - joined:
      x: {steps.csv: step}
      y: {values.csv: value}
`);
    assert.deepEqual(defs, [
      { id: 'eval/roc.json', sources: [{ file: 'eval/roc.json', fields: [] }] },
      { id: 'eval/prc.json', sources: [{ file: 'eval/prc.json', fields: ['precision'] }], x: { field: 'recall' }, template: 'simple' },
      {
        id: 'loss_curves',
        sources: [
          { file: 'train.csv', fields: ['loss'] },
          { file: 'val.csv', fields: ['loss', 'acc'] },
        ],
        x: { field: 'step' },
        title: 'Curves',
      },
      { id: 'joined', sources: [{ file: 'values.csv', fields: ['value'] }], x: { field: 'step', file: 'steps.csv' } },
    ]);
  });

  test('files are relative to the pipeline file; a top-level entry wins over a stage out of the same id', () => {
    const defs = definitionsOf(
      `plots:
  - out.csv:
      y: b
stages:
  s:
    cmd: echo
    plots:
      - out.csv:
          y: a
`,
      'sub/pipeline.yaml',
    );
    assert.deepEqual(defs, [{ id: 'sub/out.csv', sources: [{ file: 'sub/out.csv', fields: ['b'] }] }]);
  });
});

describe('selecting plots by target', () => {
  const defs: PlotDefinition[] = [
    { id: 'curves', sources: [{ file: 'logs/train.csv', fields: [] }] },
    { id: 'eval/roc.json', sources: [{ file: 'eval/roc.json', fields: [] }] },
  ];

  test('no target: every plot', () => {
    assert.equal(selectPlots(defs, []).length, 2);
  });

  test('by id, by file, by directory; order follows the declarations', () => {
    assert.deepEqual(selectPlots(defs, ['eval/roc.json', 'curves']).map((d) => d.id), ['curves', 'eval/roc.json']);
    assert.deepEqual(selectPlots(defs, ['./logs/train.csv']).map((d) => d.id), ['curves']);
    assert.deepEqual(selectPlots(defs, ['logs']).map((d) => d.id), ['curves']);
  });

  test('a target nothing declares is plotted on its own', () => {
    assert.deepEqual(selectPlots(defs, ['other.csv']), [{ id: 'other.csv', sources: [{ file: 'other.csv', fields: [] }] }]);
  });
});
