// `dvc-ts repro | head -1`: the reader goes away after one line. dvc-ts must not crash on the
// closed pipe (EPIPE); it stops writing and finishes the run, and the lock records every stage.
// Output lost to a full disk also lets the run finish, but is an error (exit 1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { parseLock } from '../../engine/lock/lockfile.js';
import { CLI, TempRepo } from '../helpers/repo.js';

const STAGES = ['s1', 's2', 's3', 's4'];
// Each stage prints far more than a pipe holds (64 KiB), so writes go on after `head` has left.
const PIPELINE = `stages:\n${STAGES.map(
  (s, i) => `  ${s}:
    cmd: for i in $(seq 1 4000); do echo "${s} says line $i of its output"; done; echo ${s} > ${s}.txt; echo ran >> ran-${s}
${i > 0 ? `    deps: [${STAGES[i - 1]}.txt]\n` : ''}    outs: [${s}.txt]
`,
).join('')}`;

describe('output to a closed pipe', () => {
  for (const redirect of ['2>stderr.txt', '2>&1'] as const) {
    test(`repro ${redirect} | head -1: no crash, every stage runs and is locked`, async () => {
      const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
      try {
        const script = `"${process.execPath}" "${CLI}" repro ${redirect} | head -1; echo "dvc-ts exit=\${PIPESTATUS[0]}"`;
        const r = await execa('bash', ['-c', script], { cwd: repo.root, reject: false, env: { CI: 'true', NO_COLOR: '1' } });
        const lines = String(r.stdout).split('\n');
        assert.equal(lines.length, 2, String(r.stdout));
        assert.match(lines[0]!, /^Running stage 's1'/);
        assert.equal(lines[1], 'dvc-ts exit=0');
        const stderr = redirect === '2>&1' ? String(r.stderr) : await repo.read('stderr.txt');
        assert.doesNotMatch(stderr, /EPIPE|internal error|\n\s+at /);
        for (const s of STAGES) {
          assert.equal(await repo.count(`ran-${s}`), 1, `${s} ran once`);
          assert.equal(await repo.read(`${s}.txt`), `${s}\n`);
        }
        const lock = parseLock(await repo.read('pipeline.lock'));
        assert.deepEqual(Object.keys(lock.stages).sort(), STAGES);
        assert.equal((await repo.run(['status', '-q'])).code, 0, 'the lock is true');
      } finally {
        await repo.remove();
      }
    });
  }

  test('repro > /dev/full: the run completes, then exit 1 saying the output was lost', async (t) => {
    if (!existsSync('/dev/full')) return t.skip('no /dev/full on this system');
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      const r = await execa('sh', ['-c', `"${process.execPath}" "${CLI}" repro > /dev/full`], { cwd: repo.root, reject: false, env: { CI: 'true', NO_COLOR: '1' } });
      assert.equal(r.exitCode, 1, String(r.stderr));
      assert.equal(String(r.stderr), 'error: cannot write to the standard output: no space left on device (ENOSPC)\n  free some space (`dvc-ts gc` removes cache objects no revision uses)');
      for (const s of STAGES) assert.equal(await repo.count(`ran-${s}`), 1, `${s} ran once`);
      assert.deepEqual(Object.keys(parseLock(await repo.read('pipeline.lock')).stages).sort(), STAGES);
    } finally {
      await repo.remove();
    }
  });
});
