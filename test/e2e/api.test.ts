// The programmatic API, imported the way a user's script would: through the package's entry.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PlainReporter, loadPipeline, repro, status, UserError, type StageResult } from '../../engine/index.js';
import { Writable } from 'node:stream';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { CLI, TempRepo } from '../helpers/repo.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('the package', () => {
  test('its bin is an executable file with a node shebang, as `npx dvc-ts` runs it', async () => {
    await access(CLI, constants.X_OK);
    assert.match(await readFile(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });
});

describe('programmatic API', () => {
  test('loadPipeline, status and repro', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo \${msg} > out.txt\n    outs: [out.txt]\n',
      'params.yaml': 'msg: hello\n',
    });
    try {
      const pipeline = await loadPipeline(repo.root);
      assert.deepEqual(pipeline.stages.map((s) => [s.name, s.cmd]), [['s', ['echo hello > out.txt']]]);
      assert.equal((await status(repo.root)).upToDate, false);
      const out = new Collect();
      const summary = await repro(repo.root, { reporter: new PlainReporter(out), handleSignals: false });
      assert.deepEqual(summary.results.map((r: StageResult) => [r.name, r.status]), [['s', 'ran']]);
      assert.equal(await repo.read('out.txt'), 'hello\n');
      assert.match(out.text, /1 ran/);
      assert.equal((await status(repo.root)).upToDate, true);
    } finally {
      await repo.remove();
    }
  });

  test('bad input is a UserError with a position', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: x\n    depz: [a]\n' });
    try {
      await assert.rejects(loadPipeline(repo.root), (e: unknown) => e instanceof UserError && e.pos?.line === 4);
    } finally {
      await repo.remove();
    }
  });
});
