import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { CLI, TempRepo } from '../helpers/repo.js';

const PIPELINE = `stages:
  talk:
    cmd: printf 'line one\\nprogress 50%%\\rprogress 100%%\\n'; printf '\\033[31mred\\033[0m\\n' >&2; echo x > x.txt
    outs: [x.txt]
`;

describe('run output', () => {
  test('without a TTY: prefixed plain lines, no control characters, a log per stage, a summary', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /^\[talk\] line one$/m);
      assert.match(r.stdout, /^\[talk\] progress 100%$/m);
      assert.match(r.stdout, /^\[talk\] red$/m);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r.stdout, /[\x00-\x08\x0b-\x1f\x7f]/, 'no escapes or carriage returns');
      assert.match(r.stdout, /^1 ran, 0 restored, 0 up to date, 0 failed in \d+(ms|\.\ds)$/m);
      const log = await repo.read('.dvc-ts/logs/talk.log');
      assert.match(log, /line one/);
      assert.match(log, /red/);
    } finally {
      await repo.remove();
    }
  });

  test('on a TTY: a progress bar over the stages, stage lines above it', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      // `script` gives the CLI a pseudo-terminal, as a person's shell would.
      const r = await execa('script', ['-qc', `${process.execPath} ${CLI} repro`, '/dev/null'], {
        cwd: repo.root,
        reject: false,
        env: { CI: '', TERM: 'xterm' },
        extendEnv: true,
      });
      assert.equal(r.exitCode, 0, String(r.stdout));
      const out = String(r.stdout);
      assert.match(out, /Running stage 'talk'/);
      assert.match(out, /1\/1 stages/);
      assert.match(out, /\[talk\] line one/);
      assert.match(out, /1 ran, 0 restored/);
    } finally {
      await repo.remove();
    }
  });
});
