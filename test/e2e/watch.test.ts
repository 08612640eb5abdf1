import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';


describe('repro --watch', () => {
  test('reruns when an input changes, not when an output does; stops on SIGINT', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  up:\n    cmd: echo run >> runs.count; tr a-z A-Z < in.txt > out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n',
      'in.txt': 'one\n',
    });
    const child = execa(process.execPath, [CLI, 'repro', '--watch'], { cwd: repo.root, reject: false, env: { CI: 'true' } });
    try {
      await waitFor(async () => (await repo.count('runs.count')) === 1 && (await repo.exists('out.txt')), 'the first run');
      await waitFor(() => repo.exists('pipeline.lock'), 'the lock');
      await new Promise((r) => setTimeout(r, 800)); // the watcher is set up after the run
      await repo.write({ 'in.txt': 'two\n' });
      // The out is deleted while the stage reruns: a missing file is "not yet".
      await waitFor(async () => (await repo.read('out.txt').catch(() => '')) === 'TWO\n', 'the rerun after the edit');
      assert.equal(await repo.count('runs.count'), 2);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await repo.count('runs.count'), 2, 'writing outputs does not trigger another run');
    } finally {
      child.kill('SIGINT');
      const r = await child;
      await repo.remove();
      assert.match(String(r.stdout), /Watching 2 inputs/);
      assert.notEqual(r.exitCode, null, 'it exited');
    }
  });
});
