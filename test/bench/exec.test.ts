import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { parseTimeOutput, parseVmHwm, runTimed } from '../../bench/exec.js';

test('a run reports its exit code, time and the tail of stderr', async () => {
  const r = await runTimed({ argv: ['sh', '-c', 'echo out; echo oops >&2; exit 3'], cwd: tmpdir() });
  assert.equal(r.exitCode, 3);
  assert.equal(r.stderrTail, 'oops\n');
  assert.ok(r.ms > 0);
});

test('a program that cannot start is exit 127 with the reason', async () => {
  const r = await runTimed({ argv: ['/nonexistent/dvc-ts-bench-tool'], cwd: tmpdir() });
  assert.equal(r.exitCode, 127);
  assert.match(r.stderrTail, /ENOENT/);
});

test('peak RSS polled from /proc sees a process that holds 64 MB', { skip: process.platform !== 'linux' }, async () => {
  const script = 'const b = Buffer.alloc(64 * 1024 * 1024, 1); setTimeout(() => b.length, 150)';
  const r = await runTimed({ argv: [process.execPath, '-e', script], cwd: tmpdir() }, { kind: 'proc' });
  assert.equal(r.exitCode, 0);
  assert.ok(r.rssKb !== undefined && r.rssKb > 64 * 1024, `rssKb ${r.rssKb}`);
});

test('GNU time and /proc outputs parse; failures say nothing', () => {
  assert.equal(parseTimeOutput('81234\n'), 81234);
  assert.equal(parseTimeOutput('Command exited with non-zero status 1\n4321\n'), 4321);
  assert.equal(parseTimeOutput('garbage'), undefined);
  assert.equal(parseVmHwm('Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t   45678 kB\n'), 45678);
  assert.equal(parseVmHwm('Name:\tzombie\n'), undefined);
});

test('a run past its timeout is killed, with its process group, and says so', { timeout: 120_000 }, async () => {
  // Sleeps far longer than the test's own timeout: had the group not been killed, the test
  // would time out instead of passing.
  const r = await runTimed({ argv: ['sh', '-c', 'sleep 600 & sleep 600; wait'], cwd: tmpdir() }, undefined, 200);
  assert.notEqual(r.exitCode, 0);
  assert.match(r.stderrTail, /timed out after 0.2 s/);
});
