// Two (or more) dvc-ts processes started at the same instant in one repository: exactly one may
// hold the repository lock. First the lock itself, from processes synchronised to microseconds
// (the races are microseconds wide), then whole `repro` runs through the CLI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseLock } from '../../engine/lock/lockfile.js';
import { CLI, TempRepo } from '../helpers/repo.js';
import type { ContendReply, ContendRequest } from './lock-contender.js';

const CONTENDER = fileURLToPath(new URL('./lock-contender.js', import.meta.url));
/** Trials per variant; each of the races this found showed up in 10–60% of trials. */
const TRIALS = Number(process.env.DVC_TS_LOCK_TRIALS ?? 80);
/** A pid above Linux's pid_max: a lock naming it is stale. */
const DEAD_PID = 2 ** 22 + 1;

async function contend(workers: ReturnType<typeof fork>[], req: ContendRequest): Promise<ContendReply[]> {
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<ContendReply>((resolve) => {
          w.once('message', (m) => resolve(m as ContendReply));
          w.send(req);
        }),
    ),
  );
}

/** Pairs of replies whose holding intervals overlap: two owners at once. */
function overlaps(replies: ContendReply[]): number {
  const held = replies.filter((r) => r.got);
  let n = 0;
  for (let i = 0; i < held.length; i++) {
    for (let j = i + 1; j < held.length; j++) {
      if (held[i]!.from! < held[j]!.to! && held[j]!.from! < held[i]!.to!) n++;
    }
  }
  return n;
}

describe('repository lock under contention', () => {
  for (const stale of [false, true]) {
    test(`${TRIALS} trials of 3 processes asking at once${stale ? ', over a stale lock' : ''}: never two owners`, { timeout: 600_000 }, async () => {
      const workers = [0, 1, 2].map(() => fork(CONTENDER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
      const base = await mkdtemp(join(tmpdir(), 'dvc-ts-lock-'));
      let doubleOwners = 0;
      let noOwner = 0;
      try {
        for (let t = 0; t < TRIALS; t++) {
          const root = join(base, String(t));
          await mkdir(join(root, '.dvc-ts', 'tmp'), { recursive: true });
          if (stale) await writeFile(join(root, '.dvc-ts', 'tmp', 'repo.lock'), `${DEAD_PID} ${hostname()}\n`);
          const replies = await contend(workers, { root, at: performance.timeOrigin + performance.now() + 15, holdMs: 25 });
          doubleOwners += overlaps(replies);
          if (!replies.some((r) => r.got)) noOwner++;
          for (const r of replies) if (!r.got) assert.match(r.error ?? '', /^another dvc-ts \(pid \d+\) is running in this repository$/);
        }
      } finally {
        for (const w of workers) w.disconnect();
        await rm(base, { recursive: true, force: true });
      }
      console.log(`lock${stale ? ' (stale)' : ''}: ${TRIALS} trials, ${doubleOwners} with two owners at once, ${noOwner} with none`);
      assert.equal(doubleOwners, 0, 'two processes held the repository lock at the same time');
      assert.equal(noOwner, 0, 'nobody got the lock');
    });
  }
});

const PIPELINE = `stages:
  slow:
    cmd: sleep 0.4 && echo "r\${round}" > out.txt && echo x >> runs.count
    outs: [out.txt]
`;

describe('two repro runs started together', () => {
  test('exactly one runs the stage; the other fails fast naming it; the lock is consistent', { timeout: 600_000 }, async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'round: 0\n' });
    try {
      const rounds = Number(process.env.DVC_TS_REPRO_PAIRS ?? 4);
      for (let round = 1; round <= rounds; round++) {
        await repo.write({ 'params.yaml': `round: ${round}\n` });
        const before = await repo.count('runs.count');
        const env = { CI: 'true', NO_COLOR: '1' };
        const a = execa(process.execPath, [CLI, 'repro'], { cwd: repo.root, reject: false, all: true, env });
        const b = execa(process.execPath, [CLI, 'repro'], { cwd: repo.root, reject: false, all: true, env });
        const [ra, rb] = await Promise.all([a, b]);
        const results = [
          { pid: a.pid, r: ra },
          { pid: b.pid, r: rb },
        ];
        const winners = results.filter((x) => x.r.exitCode === 0);
        const losers = results.filter((x) => x.r.exitCode !== 0);
        assert.equal(winners.length, 1, `round ${round}: ${results.map((x) => `${x.r.exitCode}: ${String(x.r.all)}`).join('\n---\n')}`);
        assert.equal(losers[0]!.r.exitCode, 1);
        assert.equal(String(losers[0]!.r.stderr).split('\n')[0], `error: another dvc-ts (pid ${winners[0]!.pid}) is running in this repository`);
        assert.equal((await repo.count('runs.count')) - before, 1, `round ${round}: the stage ran once`);
        const lock = parseLock(await repo.read('pipeline.lock'));
        assert.deepEqual(lock.stages.slow?.params, { 'params.yaml': { round } });
        assert.equal((await repo.read('out.txt')).trim(), `r${round}`);
      }
      const status = await repo.run(['status', '-q']);
      assert.equal(status.code, 0, status.all);
    } finally {
      await repo.remove();
    }
  });

  test('with --wait both succeed and the stage runs once', { timeout: 600_000 }, async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'round: 1\n' });
    try {
      const env = { CI: 'true', NO_COLOR: '1' };
      const [ra, rb] = await Promise.all([
        execa(process.execPath, [CLI, 'repro', '--wait'], { cwd: repo.root, reject: false, all: true, env }),
        execa(process.execPath, [CLI, 'repro', '--wait'], { cwd: repo.root, reject: false, all: true, env }),
      ]);
      assert.equal(ra.exitCode, 0, String(ra.all));
      assert.equal(rb.exitCode, 0, String(rb.all));
      assert.equal(await repo.count('runs.count'), 1);
      assert.equal([ra, rb].filter((r) => /Stage 'slow' didn't change/.test(String(r.stdout))).length, 1, 'the waiting run found it up to date');
    } finally {
      await repo.remove();
    }
  });
});
