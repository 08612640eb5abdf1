import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline } from '../../engine/pipeline/load.js';

describe('the resolved-pipeline cache', () => {
  test('follows every input file: pipeline, params, vars files, and files appearing or vanishing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dvc-ts-loadcache-'));
    try {
      await writeFile(join(root, 'pipeline.yaml'), 'vars: [extra.yaml]\nstages:\n  s:\n    cmd: echo ${lr} ${more}\n');
      await writeFile(join(root, 'params.yaml'), 'lr: 1\n');
      await writeFile(join(root, 'extra.yaml'), 'more: a\n');
      const cmd = async () => (await loadPipeline(root)).stages[0]!.cmd[0];
      assert.equal(await cmd(), 'echo 1 a');
      assert.equal(await cmd(), 'echo 1 a', 'served from the cache');
      await writeFile(join(root, 'params.yaml'), 'lr: 2\n');
      assert.equal(await cmd(), 'echo 2 a');
      await writeFile(join(root, 'extra.yaml'), 'more: b\n');
      assert.equal(await cmd(), 'echo 2 b');
      await writeFile(join(root, 'pipeline.yaml'), 'vars: [extra.yaml]\nstages:\n  s:\n    cmd: echo ${more} ${lr}\n');
      assert.equal(await cmd(), 'echo b 2');
      await unlink(join(root, 'params.yaml'));
      await assert.rejects(cmd(), /lr/);
      await writeFile(join(root, 'params.yaml'), 'lr: 3\n');
      assert.equal(await cmd(), 'echo b 3');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
