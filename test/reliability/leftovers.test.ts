// What a killed command leaves is swept by the next one, and a cache left half-filled is never
// trusted: a directory listing without all its files, partial downloads of a killed pull,
// experiment workspaces of a killed `exp run`, the temp of a killed first lock write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ObjectStore } from '../../engine/cache/store.js';
import { WORKSPACE_HOST_TAG } from '../../engine/exp/workspace.js';
import { parseManifest } from '../../engine/hash/dir.js';
import { parseLock } from '../../engine/lock/lockfile.js';
import { TempRepo } from '../helpers/repo.js';
import { assertWhole, killMidRun, ownTempDir } from './kill-harness.js';
import { hashOnDisk, reapOrphanStages, TEMP_NAME } from './invariants.js';

const DIR_STAGE = `stages:
  make:
    cmd: mkdir -p d && for i in 1 2 3; do echo "file $i" > d/f$i.txt; done && echo x >> runs.log
    outs: [d]
`;

describe('a killed command leaves nothing the next one trusts or keeps', () => {
  test('a directory listing missing one of its files is not restorable: status says the stage runs, one repro mends it', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': DIR_STAGE });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const lock = parseLock(await repo.read('pipeline.lock'));
      const dir = lock.stages.make!.outs[0]!;
      const store = new ObjectStore(repo.root);
      const member = parseManifest(await repo.read(store.objectPath(dir.hash).slice(repo.root.length + 1)))[1]!;
      // What a killed pull or gc can leave: the listing without one of its files.
      await rm(store.objectPath(member.hash));
      await rm(repo.path('d'), { recursive: true });

      const status = await repo.run(['status']);
      assert.doesNotMatch(status.all, /restorable from the cache/, status.all);
      assert.match(status.all, /make/);
      const first = await repo.run(['repro']);
      assert.equal(first.code, 0, first.all);
      assert.equal(await repo.count('runs.log'), 2, 'the stage ran again');
      assert.equal((await hashOnDisk(repo.path('d')))?.hash, dir.hash, 'the directory is back, whole');
      const second = await repo.run(['repro']);
      assert.equal(second.code, 0, second.all);
      assert.equal(await repo.count('runs.log'), 2, 'and nothing runs after that');
      const verify = await repo.run(['cache', 'verify']);
      assert.equal(verify.code, 0, verify.all);
      assert.equal((await repo.run(['status', '-q'])).code, 0);
    } finally {
      await repo.remove();
    }
  });

  test('a listing whose file is damaged is dropped with it: repro runs the stage once and succeeds', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': DIR_STAGE });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const dir = parseLock(await repo.read('pipeline.lock')).stages.make!.outs[0]!;
      const store = new ObjectStore(repo.root);
      const member = parseManifest(await repo.read(store.objectPath(dir.hash).slice(repo.root.length + 1)))[0]!;
      // Same size, other bytes: only reading it tells.
      const path = store.objectPath(member.hash);
      await rm(path);
      await writeFile(path, 'file X\n', { mode: 0o444 });
      await rm(repo.path('d'), { recursive: true });
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal((await hashOnDisk(repo.path('d')))?.hash, dir.hash);
      assert.equal((await repo.run(['cache', 'verify'])).code, 0);
      assert.equal((await repo.run(['repro'])).code, 0);
      assert.equal(await repo.count('runs.log'), 2);
    } finally {
      await repo.remove();
    }
  });

  test('partial downloads of a killed pull are swept by the next pull, and by gc', { timeout: 30 * 60_000 }, async () => {
    const remoteDir = await mkdtemp(join(tmpdir(), 'dvc-ts-remote-'));
    const origin = await TempRepo.create({ 'pipeline.yaml': 'stages:\n  big:\n    cmd: head -c 30000000 /dev/urandom > big.bin\n    outs: [big.bin]\n' });
    const clones: TempRepo[] = [];
    try {
      assert.equal((await origin.run(['repro'])).code, 0);
      assert.equal((await origin.run(['remote', 'add', '-d', 'r', remoteDir])).code, 0);
      assert.equal((await origin.run(['push'])).code, 0);
      await origin.git('add', '-A');
      await origin.git('commit', '-qm', 'big');
      const partial = (repo: TempRepo) => () => readdirSafe(repo.path('.dvc-ts/tmp/pull')).some((n) => TEMP_NAME.test(n));
      for (const next of [['pull'], ['gc', '--workspace']]) {
        let left = false;
        for (let attempt = 0; attempt < 20 && !left; attempt++) {
          const clone = await cloneOf(origin);
          clones.push(clone);
          const killed = await killMidRun(clone.root, ['pull'], { env: { CI: 'true', NO_COLOR: '1' }, when: partial(clone) });
          left = killed.landed && partial(clone)();
          if (!left) continue;
          const r = await clone.run(next);
          assert.equal(r.code, 0, `${next.join(' ')}: ${r.all}`);
          assert.deepEqual(readdirSafe(clone.path('.dvc-ts/tmp/pull')).filter((n) => TEMP_NAME.test(n)), [], `partial downloads left after ${next.join(' ')}`);
        }
        assert.ok(left, `no pull was killed while downloading (before ${next.join(' ')})`);
      }
    } finally {
      for (const c of clones) await c.remove();
      await origin.remove();
      await rm(remoteDir, { recursive: true, force: true });
    }
  });

  test('workspaces of a killed exp run are removed by the next exp run and by gc; a live one, or another host\'s, is kept', { timeout: 30 * 60_000 }, async () => {
    const tmp = await ownTempDir();
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  train:\n    cmd: sleep ${secs} && echo done > model.txt\n    params: [secs]\n    outs: [model.txt]\n',
      'params.yaml': 'secs: 0\n',
    });
    const live = execa('sleep', ['600']);
    try {
      assert.equal((await repo.run(['repro'], { env: tmp.env })).code, 0);
      await repo.git('add', '-A');
      await repo.git('commit', '-qm', 'base');
      // A copy whose owner lives (a process of this test standing in for a running exp run).
      const liveCopy = join(tmp.dir, `dvc-ts-exp-${live.pid}-abcdef`);
      await mkdir(liveCopy);
      // One another machine sharing the temp folder made: its pid means nothing here.
      const foreignCopy = join(tmp.dir, `dvc-ts-exp-${await deadPid()}-fedcba`);
      await mkdir(join(foreignCopy, '.dvc-ts/tmp'), { recursive: true });
      await writeFile(join(foreignCopy, '.dvc-ts/tmp/exp-owner-host'), 'another-host\n');
      // A copy another machine made, named with its own host tag, and one this host's exp run
      // was killed in right after creating (nothing inside yet): the tag in the name places both.
      const foreignTagged = join(tmp.dir, `dvc-ts-exp-${await deadPid()}-${WORKSPACE_HOST_TAG === '00000000' ? '11111111' : '00000000'}-qwerty`);
      await mkdir(foreignTagged);
      const kept = [liveCopy, foreignCopy, foreignTagged];
      const copies = () => readdirSafe(tmp.dir).filter((n) => n.startsWith('dvc-ts-exp-') && !kept.includes(join(tmp.dir, n)));
      for (const next of [['exp', 'run', '--run-all'], ['gc', '--workspace']]) {
        const killed = await killMidRun(repo.root, ['exp', 'run', '-S', 'secs=2'], { env: tmp.env, when: () => copies().length > 0 && existsSync(join(tmp.dir, copies()[0]!, 'pipeline.yaml')) });
        assert.ok(killed.landed, killed.result.all);
        assert.equal(copies().length, 1, 'the killed exp run left its workspace copy');
        await mkdir(join(tmp.dir, `dvc-ts-exp-${await deadPid()}-${WORKSPACE_HOST_TAG}-asdfgh`));
        const r = await repo.run(next, { env: tmp.env });
        await reapOrphanStages(repo.root, 0);
        assert.equal(r.code, 0, `${next.join(' ')}: ${r.all}`);
        assert.deepEqual(copies(), [], `copies left after ${next.join(' ')}`);
        assert.ok(existsSync(liveCopy), 'the copy a live process owns is kept');
        assert.ok(existsSync(foreignCopy), 'the copy another host made is kept');
        assert.ok(existsSync(foreignTagged), 'the copy another host tagged is kept');
      }
      // gc left the experiment queued (it does not run experiments): run it now.
      assert.equal((await repo.run(['exp', 'run', '--run-all'], { env: tmp.env })).code, 0);
      for (const copy of kept) await rm(copy, { recursive: true });
      assert.deepEqual(await readdir(tmp.dir), [], 'nothing left in the temp folder');
    } finally {
      live.kill('SIGKILL');
      await live.catch(() => undefined);
      await repo.remove();
      await tmp.remove();
    }
  });

  test('the temp of the first lock write of a killed first repro is swept by the next repro, and never shows in git status', { timeout: 30 * 60_000 }, async () => {
    const tmp = await ownTempDir();
    const repo = await TempRepo.create({ 'pipeline.yaml': 'stages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n  b:\n    cmd: sleep 30 && echo b > b.txt\n    outs: [b.txt]\n', '.gitignore': '/a.txt\n/b.txt\n' });
    try {
      await repo.git('add', '-A');
      await repo.git('commit', '-qm', 'pipeline');
      // Killed while `b` runs, before the first lock write finished: the lock write of `a` is
      // where the temp is left when the kill lands inside it.
      const killed = await killMidRun(repo.root, ['repro', 'b'], { env: tmp.env, when: () => existsSync(repo.path('.dvc-ts/tmp/stages')) && readdirSafe(repo.path('.dvc-ts/tmp/stages')).length > 0 });
      assert.ok(killed.landed);
      await reapOrphanStages(repo.root, 0);
      assert.equal(existsSync(repo.path('pipeline.lock')), false, 'no lock was written yet');
      // What a kill inside the lock write leaves (the write itself takes microseconds to hit).
      const pid = await deadPid();
      const left = [`.pipeline.lock.${pid}.0badc0de.tmp`, `.dvc-ts/tmp/.pipeline.lock.${pid}.0badc0df.tmp`];
      for (const rel of left) await writeFile(repo.path(rel), 'schema: "1.0"\nsta');
      const r = await repo.run(['repro', 'a'], { env: tmp.env });
      assert.equal(r.code, 0, r.all);
      for (const rel of left) assert.equal(existsSync(repo.path(rel)), false, `${rel} swept`);
      const status = await repo.git('status', '--porcelain', '--untracked-files=all');
      assert.doesNotMatch(status, /\.tmp/, 'no temp file shows in git status');
      await assertWhole(repo, tmp.dir, tmp.env, 'after the next repro');
    } finally {
      await reapOrphanStages(repo.root, 0);
      await repo.remove();
      await tmp.remove();
    }
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A pid no process has now (one of a process that has exited). */
async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

async function cloneOf(origin: TempRepo): Promise<TempRepo> {
  const clone = await TempRepo.create({}, { git: false });
  await rm(clone.root, { recursive: true });
  await execa('git', ['clone', '-q', origin.root, clone.root]);
  return clone;
}
