import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { execa } from 'execa';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';

// The stage starts a grandchild in the background, then waits: killing only the shell would
// leave the grandchild running. Durations come from a file so the same cmd can finish later.
const PIPELINE = (marker: string) => `stages:
  quick:
    cmd: echo q > quick.txt
    outs: [quick.txt]
  slow:
    cmd: echo started > started.txt; (sleep ${marker}; echo orphan > orphan.txt) & sleep $(cat dur.txt); echo done > slow.txt
    deps: [quick.txt]
    outs: [slow.txt]
`;


async function processesMatching(pattern: string): Promise<number> {
  const r = await execa('pgrep', ['-f', pattern], { reject: false });
  return String(r.stdout).split('\n').filter((l) => l.trim() !== '').length;
}

describe('interrupting repro', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} kills the stage's whole process group and the lock never claims it`, async () => {
      const marker = `${30 + Math.floor(Math.random() * 1000) / 1000}`;
      const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE(marker), 'dur.txt': '30\n' });
      try {
        const child = execa(process.execPath, [CLI, 'repro'], { cwd: repo.root, reject: false, env: { CI: 'true' } });
        await waitFor(() => repo.exists('started.txt'), 'the slow stage to start');
        // The shell writes started.txt before it forks the grandchild: wait for that too.
        await waitFor(async () => (await processesMatching(`^sleep ${marker}`)) === 1, 'the grandchild to be running');
        child.kill(signal);
        const result = await child;
        assert.equal(result.exitCode, 130, String(result.all ?? result.stdout));
        await waitFor(async () => (await processesMatching(`^sleep ${marker}`)) === 0, 'the grandchild to be killed', 5000);
        const lock = await repo.read('pipeline.lock');
        assert.match(lock, /^ {2}quick:/m, 'the finished stage is recorded');
        assert.doesNotMatch(lock, /^ {2}slow:/m, 'the interrupted stage is not');
        assert.equal(await repo.exists('orphan.txt'), false);

        // The next repro reruns exactly what did not finish.
        await repo.write({ 'dur.txt': '0\n' });
        const again = await repo.run(['repro']);
        assert.equal(again.code, 0, again.all);
        assert.match(again.stdout, /Stage 'quick' didn't change/);
        assert.match(again.stdout, /Running stage 'slow'/);
        assert.match(await repo.read('pipeline.lock'), /^ {2}slow:/m);
      } finally {
        await execa('pkill', ['-f', `sleep ${marker}`], { reject: false });
        await repo.remove();
      }
    });
  }
});

describe('one repro at a time', () => {
  test('a second repro fails fast naming the first; --wait waits for it', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  slow:
    cmd: echo started > started.txt; for i in $(seq 1200); do [ -f go.txt ] && break; sleep 0.05; done; echo done > slow.txt; echo run >> runs.count
    outs: [slow.txt]
`,
    });
    try {
      // The stage holds until the test writes go.txt (or a minute passes, should the test fail
      // first): on a busy machine a fixed sleep could end before the second repro even starts.
      const first = execa(process.execPath, [CLI, 'repro'], { cwd: repo.root, reject: false, env: { CI: 'true' } });
      await waitFor(() => repo.exists('started.txt'), 'the first repro to start its stage');
      const second = await repo.run(['repro']);
      assert.equal(second.code, 1, second.all);
      assert.match(second.stderr, new RegExp(`another dvc-ts \\(pid ${first.pid}\\) is running in this repository`));
      // Read-only commands do not block.
      const status = await repo.run(['status']);
      assert.equal(status.code, 0, status.all);
      const waitingRun = repo.run(['repro', '--wait']);
      await new Promise((r) => setTimeout(r, 1000));
      await repo.write({ 'go.txt': 'go\n' });
      const waiting = await waitingRun;
      assert.equal(waiting.code, 0, waiting.all);
      assert.equal((await first).exitCode, 0);
      assert.equal(await repo.count('runs.count'), 1, 'the stage ran once: the waiting repro found it up to date');
    } finally {
      await repo.remove();
    }
  });

  test('a lock left by a dead process is taken over', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo x > x.txt\n    outs: [x.txt]\n',
      // pid 2^22+1 is above Linux's pid_max: no such process.
      '.dvc-ts/tmp/repo.lock': `${2 ** 22 + 1} ${hostname()}\n`,
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.exists('.dvc-ts/tmp/repo.lock'), false, 'released after the run');
    } finally {
      await repo.remove();
    }
  });
});

describe('SIGKILL of dvc-ts itself', () => {
  test('the next repro ends the stage processes the killed run left behind, then reruns the stage', async () => {
    const marker = `${40 + Math.floor(Math.random() * 1000) / 1000}`;
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE(marker), 'dur.txt': '30\n' });
    try {
      const child = execa(process.execPath, [CLI, 'repro'], { cwd: repo.root, reject: false, env: { CI: 'true' } });
      await waitFor(() => repo.exists('started.txt'), 'the slow stage to start');
      await waitFor(async () => (await processesMatching(`^sleep ${marker}`)) === 1, 'the grandchild to be running');
      child.kill('SIGKILL');
      await child;
      assert.equal(await processesMatching(`^sleep ${marker}`), 1, 'the orphaned stage is still running');
      // Temp files as a write cut short would leave them: the dead writer's are swept, a live
      // writer's (this test process stands in for a concurrent status) are not.
      const dead = 2 ** 22 + 1;
      await repo.write({
        [`.pipeline.lock.${dead}.0badc0de.tmp`]: 'half a lock',
        [`.dvc-ts/state/.hashes.json.${dead}.0badc0de.tmp`]: '{',
        [`.dvc-ts/state/.hashes.json.${process.pid}.0badc0de.tmp`]: '{',
      });
      await repo.write({ 'dur.txt': '0\n' });
      const again = await repo.run(['repro']);
      assert.equal(again.code, 0, again.all);
      assert.match(again.stdout, /Ended 1 stage process group\(s\) left running by a killed dvc-ts/);
      assert.match(again.stdout, /Removed 2 temp file\(s\) left by a killed dvc-ts/);
      assert.equal(await repo.exists(`.pipeline.lock.${dead}.0badc0de.tmp`), false);
      assert.equal(await repo.exists(`.dvc-ts/state/.hashes.json.${process.pid}.0badc0de.tmp`), true);
      // The old group was ended by the new run; the new run's own leftover ends with its shell.
      await waitFor(async () => (await processesMatching(`^sleep ${marker}`)) === 0, 'no stage process left', 5000);
      assert.match(await repo.read('pipeline.lock'), /^ {2}slow:/m);
    } finally {
      await execa('pkill', ['-f', `sleep ${marker}`], { reject: false });
      await repo.remove();
    }
  });
});
