import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findPipelineFile, loadPipeline } from '../../engine/pipeline/load.js';
import { tempRepo, userErrorsAsync } from './helpers.js';

describe('finding and loading the pipeline file', () => {
  test('pipeline.yaml is preferred over dvc.yaml', async () => {
    const root = await tempRepo({ 'pipeline.yaml': 'stages: {}\n', 'dvc.yaml': 'stages: {}\n' });
    assert.equal(await findPipelineFile(root), 'pipeline.yaml');
  });

  test('dvc.yaml is used when there is no pipeline.yaml', async () => {
    const root = await tempRepo({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n' });
    assert.equal(await findPipelineFile(root), 'dvc.yaml');
    const p = await loadPipeline(root);
    assert.equal(p.file, 'dvc.yaml');
    assert.equal(p.root, root);
    assert.deepEqual(p.stages.map((s) => s.name), ['a']);
  });

  test('a clear error when neither exists', async () => {
    const root = await tempRepo({});
    const [e] = await userErrorsAsync(() => findPipelineFile(root));
    assert.match(e!.message, /neither pipeline\.yaml nor dvc\.yaml exists/);
  });

  test('params are read from disk, from the stage wdir', async () => {
    const root = await tempRepo({
      'pipeline.yaml': 'stages:\n  t:\n    cmd: train --lr ${lr}\n    params: [lr]\n  u:\n    cmd: x\n    wdir: sub\n    params: [k]\n',
      'params.yaml': 'lr: 0.1\n',
      'sub/params.yaml': 'k: 2\n',
    });
    const p = await loadPipeline(root);
    assert.deepEqual(p.stages.map((s) => [s.cmd[0], s.params]), [
      ['train --lr 0.1', { 'params.yaml': { lr: 0.1 } }],
      ['x', { 'sub/params.yaml': { k: 2 } }],
    ]);
  });

  test('an explicit file, and a params path that is a directory', async () => {
    const root = await tempRepo({ 'pipes/p.yaml': 'stages:\n  t:\n    cmd: x\n    params:\n      - conf: [a]\n' });
    await mkdir(join(root, 'pipes', 'conf'));
    const errors = await userErrorsAsync(() => loadPipeline(root, { file: 'pipes/p.yaml' }));
    assert.match(errors[0]!.message, /'pipes\/conf' is a directory/);
  });

  test('a pipeline file outside the root is refused', async () => {
    const root = await tempRepo({});
    const [e] = await userErrorsAsync(() => loadPipeline(root, { file: '../x.yaml' }));
    assert.match(e!.message, /must be inside the repository/);
  });
});
