// `repro --schedule CRON`: a run at each tick, never two at once (a tick during a run is skipped
// and said so), Ctrl-C stops the schedule and the run in progress cleanly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';

const sleepStage = 'stages:\n  slow:\n    cmd: echo start >> runs.log; sleep 1.5; echo end >> runs.log\n    deps: [in.txt]\n';

describe('repro --schedule', () => {
  test('runs at each tick, one run at a time; Ctrl-C during a run stops it and the schedule', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': sleepStage, 'in.txt': 'x\n' });
    // Every second, forced, while each run takes over a second: some ticks find a run going.
    const child = execa(process.execPath, [CLI, 'repro', '--force', '--schedule', '* * * * * *'], { cwd: repo.root, reject: false, env: { CI: 'true' } });
    try {
      await waitFor(async () => (await repo.read('runs.log').catch(() => '')).split('\n').filter((l) => l === 'start').length === 3, 'a third run', 20_000);
      child.kill('SIGINT');
      const r = await child;
      const stdout = String(r.stdout);
      assert.equal(r.exitCode, 130, stdout + String(r.stderr));
      assert.match(stdout, /Scheduled '\* \* \* \* \* \*': first run at/);
      assert.match(stdout, /skipped, the previous run is still going/);
      assert.match(stdout, /Schedule stopped after 3 run\(s\)/);
      const log = await repo.read('runs.log');
      // Never two runs at once: starts and ends alternate; the interrupted run never ends.
      assert.equal(log, 'start\nend\nstart\nend\nstart\n');
      await new Promise((res) => setTimeout(res, 1500));
      assert.equal(await repo.read('runs.log'), log, 'the interrupted stage is gone, not still sleeping');
    } finally {
      child.kill('SIGKILL');
      await repo.remove();
    }
  });

  test('Ctrl-C between runs stops at once with exit 0; a bad pattern is a clear error', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': sleepStage, 'in.txt': 'x\n' });
    try {
      const child = execa(process.execPath, [CLI, 'repro', '--schedule', '0 6 * * 1'], { cwd: repo.root, reject: false, env: { CI: 'true' } });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      await waitFor(async () => out.includes('first run at'), 'the schedule to start');
      child.kill('SIGINT');
      const r = await child;
      assert.equal(r.exitCode, 0);
      assert.match(String(r.stdout), /Schedule stopped after 0 run\(s\)/);
      assert.equal(await repo.exists('runs.log'), false);

      const bad = await repo.run(['repro', '--schedule', '61 * * * *']);
      assert.equal(bad.code, 2, bad.all);
      assert.match(bad.stderr, /--schedule '61 \* \* \* \*' is not a cron pattern/);
      const both = await repo.run(['repro', '--schedule', '* * * * *', '--watch']);
      assert.notEqual(both.code, 0);
      assert.match(both.stderr, /--schedule does not go with --watch/);
    } finally {
      await repo.remove();
    }
  });
});
