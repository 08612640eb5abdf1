// SIGKILL each command that writes (repro, checkout, gc, push, pull, add, exp run --run-all) at
// least KILLS times at a random moment of its run, then run the same command again. After it:
// no temp file anywhere (the workspace, .dvc-ts/**, the remote folder, the system temp folder,
// which is the test's own), `cache verify` clean, every locked out whole, `status` up to date as
// a recomputation from the bytes says, and the user's own files untouched.
//
// DVC_TS_KILLS=<n> changes the number of kills per command (default 10).
//
// The commands are split over several test files (kill-*-cmd.test.ts), each with a repository of
// its own, so the runner can run them side by side: one file of all seven took a third of the
// suite's time on its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { yaml } from '../../engine/util/lazy-libs.js';
import { TempRepo } from '../helpers/repo.js';
import { folderRemote, type TestRemote } from '../remote/servers.js';
import { assertWhole, killMidRun, ownTempDir } from './kill-harness.js';
import { hashOnDisk, reapOrphanStages } from './invariants.js';

const KILLS = Math.max(1, Number(process.env.DVC_TS_KILLS ?? 10));
/** Tries per command before the test gives up on landing KILLS kills mid-run. */
const MAX_TRIES = KILLS * 4 + 10;

// A directory out of 6 files and a file out built from it; `round` makes every run new bytes.
const PIPELINE = `stages:
  gen:
    cmd: mkdir -p data && for i in 1 2 3 4 5 6; do head -c 100000 /dev/urandom > data/f$i.bin; echo "r\${round}" >> data/f$i.bin; done
    params: [round]
    outs: [data]
  model:
    cmd: cat data/*.bin > model.bin && echo x >> runs.log
    deps: [data]
    outs: [model.bin]
`;
const USER_FILE = 'notes/mine.txt';
const USER_BYTES = 'my own words, never to be lost\n';

interface KillCase {
  /** The command killed, and run again after the kill. */
  args: string[];
  /** Where it runs. */
  repo: () => TempRepo;
  /** Make the command have work to do in this trial. */
  prepare: (trial: number) => Promise<void>;
  /** More checks after the command that followed the kill. */
  check?: () => Promise<void>;
}

/** The writing commands killed; each test file picks some. */
export type KilledCommand = 'repro' | 'checkout' | 'gc' | 'push' | 'pull' | 'add' | 'exp-run';

/** Kill each of `commands` KILLS times mid-run, in one repository (and a clone for pull). */
export function describeKillCommands(commands: KilledCommand[]): void {
  describe(`${commands.join(', ')}: each survives ${KILLS} SIGKILLs mid-run`, () => {
    killCommandTests(new Set(commands));
  });
}

function killCommandTests(chosen: Set<KilledCommand>): void {
  let tmp: Awaited<ReturnType<typeof ownTempDir>>;
  let remote: TestRemote;
  let origin: TempRepo;
  let clone: TempRepo | undefined;
  let round = 0;
  const cli = async (repo: TempRepo, args: string[]) => {
    const r = await repo.run(args, { env: tmp.env });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.all}`);
    return r;
  };
  const newRound = async () => {
    await origin.write({ 'params.yaml': `round: ${++round}\n` });
    await cli(origin, ['repro']);
  };

  before(async () => {
    tmp = await ownTempDir();
    remote = await folderRemote();
    origin = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'round: 0\n', [USER_FILE]: USER_BYTES, '.gitignore': '/runs.log\n' });
    await writeRaw(origin, 0);
    await cli(origin, ['add', 'raw']);
    await cli(origin, ['repro']);
    await cli(origin, ['remote', 'add', '-d', 'r', remote.url]);
    await cli(origin, ['push']);
    await origin.git('add', '-A');
    await origin.git('commit', '-qm', 'data, pipeline, remote');
  });

  after(async () => {
    await reapOrphanStages(origin.root, 0);
    await origin.remove();
    await clone?.remove();
    await remote.close();
    await tmp.remove();
  });

  /**
   * Kill `c.args` at a random moment of a run (between a quarter of and the whole time the last
   * full run took; shorter after a miss, as the machine's load changes), until KILLS kills landed
   * mid-run; after each, the same command again, then the checks.
   */
  async function killTrials(name: string, c: KillCase): Promise<void> {
    const repo = c.repo();
    const fullRun = async () => {
      const t0 = Date.now();
      await cli(repo, c.args);
      return Date.now() - t0;
    };
    await c.prepare(-1);
    let runMs = await fullRun();
    let scale = 1;
    let landed = 0;
    let tries = 0;
    for (; landed < KILLS && tries < MAX_TRIES; tries++) {
      await c.prepare(tries);
      const killed = await killMidRun(repo.root, c.args, { env: tmp.env, afterMs: scale * runMs * (0.25 + 0.75 * Math.random()) });
      await reapOrphanStages(repo.root, 2000);
      if (killed.landed) landed++;
      scale = killed.landed ? Math.min(1, scale * 1.25) : scale / 2;
      const what = `${name}, try ${tries}${killed.landed ? '' : ' (finished before the kill)'}`;
      runMs = await fullRun();
      // `status` through the CLI every fifth try; in between what it runs, in-process.
      await assertWhole(repo, tmp.dir, tmp.env, what, tries % 5 === 0);
      assert.equal(await repo.read(USER_FILE), USER_BYTES, `${what}: the user's file`);
      await c.check?.();
    }
    console.log(`kill-${name}: ${landed} of ${tries} SIGKILLs landed mid-run (last full run: ${runMs} ms); all checks held after each next ${c.args.join(' ')}`);
    assert.equal(landed, KILLS, `only ${landed} of ${tries} kills landed mid-run`);
  }

  if (chosen.has('repro')) test('repro (the first ever, then new rounds)', { timeout: 30 * 60_000 }, async () => {
    await killTrials('repro', {
      args: ['repro'],
      repo: () => origin,
      prepare: async (trial) => {
        // Now and then the run is the first: no lock yet.
        if (trial % 5 === 0) await rm(origin.path('pipeline.lock'), { force: true });
        await origin.write({ 'params.yaml': `round: ${++round}\n` });
      },
    });
  });

  if (chosen.has('checkout')) test('checkout', { timeout: 30 * 60_000 }, async () => {
    const raw = await hashOnDisk(origin.path('raw'));
    await killTrials('checkout', {
      args: ['checkout'],
      repo: () => origin,
      prepare: async () => {
        for (const p of ['data', 'model.bin', 'raw']) await rm(origin.path(p), { recursive: true, force: true });
      },
      check: async () => assert.equal((await hashOnDisk(origin.path('raw')))?.hash, raw?.hash, 'the tracked data is back'),
    });
  });

  if (chosen.has('gc')) test('gc --workspace', { timeout: 30 * 60_000 }, async () => {
    await killTrials('gc', {
      args: ['gc', '--workspace'],
      repo: () => origin,
      // A new round leaves the last one's objects for gc to remove.
      prepare: newRound,
      check: async () => {
        for (const p of ['data', 'model.bin']) await rm(origin.path(p), { recursive: true });
        await cli(origin, ['checkout']);
      },
    });
  });

  if (chosen.has('push')) test('push (to a folder remote)', { timeout: 30 * 60_000 }, async () => {
    let pushes = 0;
    await killTrials('push', {
      args: ['push'],
      repo: () => origin,
      prepare: newRound,
      check: async () => {
        assert.deepEqual(await remote.leftovers(), [], 'temps left on the remote');
        // Every third try (it costs a run of the CLI): the remote has everything.
        if (++pushes % 3 !== 1) return;
        const cloud = await origin.run(['status', '--cloud', '-q'], { env: tmp.env });
        assert.equal(cloud.code, 0, `status --cloud: everything is on the remote: ${cloud.all}`);
      },
    });
  });

  if (chosen.has('pull')) test('pull (into a clone, from a folder remote)', { timeout: 30 * 60_000 }, async () => {
    await newRound();
    await cli(origin, ['push']);
    await origin.git('add', '-A');
    await origin.git('commit', '-qm', `round ${round}`);
    clone = await TempRepo.create({}, { git: false });
    await rm(clone.root, { recursive: true });
    await execa('git', ['clone', '-q', origin.root, clone.root]);
    const c = clone;
    const model = await hashOnDisk(origin.path('model.bin'));
    await killTrials('pull', {
      args: ['pull'],
      repo: () => c,
      prepare: async () => {
        for (const p of ['data', 'model.bin', 'raw', '.dvc-ts/cache']) await rm(c.path(p), { recursive: true, force: true });
        await c.write({ [USER_FILE]: USER_BYTES });
      },
      check: async () => assert.equal((await hashOnDisk(c.path('model.bin')))?.hash, model?.hash, 'the pulled out is the pushed one'),
    });
  });

  if (chosen.has('add')) test('add', { timeout: 30 * 60_000 }, async () => {
    let written = '';
    await killTrials('add', {
      args: ['add', 'raw'],
      repo: () => origin,
      prepare: async (trial) => {
        written = await writeRaw(origin, trial + 2);
      },
      check: async () => {
        assert.equal(await rawText(origin), written, 'the added bytes are the user\'s, unchanged');
        const dvc = yaml().parse(await origin.read('raw.dvc')) as { outs: { blake3: string }[] };
        assert.equal(dvc.outs[0]!.blake3, (await hashOnDisk(origin.path('raw')))?.hash, 'raw.dvc records what is on disk');
      },
    });
  });

  if (chosen.has('exp-run')) test('exp run --run-all', { timeout: 30 * 60_000 }, async () => {
    await origin.git('add', '-A');
    await origin.git('commit', '-q', '--allow-empty', '-m', 'before experiments');
    let queued = 0;
    await killTrials('exp-run', {
      args: ['exp', 'run', '--run-all'],
      repo: () => origin,
      prepare: async () => {
        await cli(origin, ['exp', 'run', '--queue', '-S', `round=${1000 + queued},${1001 + queued}`]);
        queued += 2;
      },
      check: async () => {
        const shown = JSON.parse((await cli(origin, ['exp', 'show', '--json'])).stdout) as { experiments: unknown[]; queued: unknown[] };
        assert.deepEqual(shown.queued, [], 'every queued experiment ran');
        assert.equal(shown.experiments.length, queued, 'each experiment saved once');
      },
    });
  });
}

/** Write `raw/` (tracked data) anew: 6 files, one of them larger; returns all its bytes, for comparing. */
async function writeRaw(repo: TempRepo, version: number): Promise<string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 6; i++) files[`raw/r${i}.txt`] = `${version} ${i} ${randomBytes(i === 0 ? 200_000 : 2000).toString('hex')}\n`;
  await rm(repo.path('raw'), { recursive: true, force: true });
  await repo.write(files);
  return rawText(repo);
}

async function rawText(repo: TempRepo): Promise<string> {
  const names = (await readdir(repo.path('raw'))).sort();
  return (await Promise.all(names.map((n) => readFile(repo.path(`raw/${n}`), 'utf8')))).join('');
}
