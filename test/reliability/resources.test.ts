// Running out of room or permission in the middle of a run: a clear error naming the cause, the
// previous lock and cache left whole, and a normal run once the cause is gone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { verifyCache } from '../../engine/api/cache.js';
import { CLI, TempRepo } from '../helpers/repo.js';
import { checkRepo } from './invariants.js';

const isRoot = process.getuid?.() === 0;

/** Make the cache unwritable: modes for ordinary users; root ignores them, so the immutable flag. */
async function freezeCache(dir: string, frozen: boolean): Promise<boolean> {
  if (!isRoot) {
    await execa('chmod', ['-R', frozen ? 'a-w' : 'u+w', dir]);
    return true;
  }
  const r = await execa('chattr', ['-R', frozen ? '+i' : '-i', dir], { reject: false });
  return r.exitCode === 0;
}

describe('resources', () => {
  test('an unwritable cache: the stage fails clearly, lock and cache stay as they were', async (t) => {
    const repo = await TempRepo.create({
      'params.yaml': 'n: 1\n',
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo "v${n}" > out.txt && mkdir -p d && echo "${n}" > d/f.txt\n    outs: [out.txt, d]\n',
    });
    const cache = repo.path('.dvc-ts/cache');
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const lockBefore = await repo.read('pipeline.lock');
      if (!(await freezeCache(cache, true))) {
        t.skip('cannot make the cache unwritable here (root without chattr support)');
        return;
      }
      await repo.write({ 'params.yaml': 'n: 2\n' });
      const r = await repo.run(['repro']);
      await freezeCache(cache, false);
      assert.equal(r.code, 1, r.all);
      assert.match(r.all, /^Stage 's' failed: cannot write to the cache: E(PERM|ACCES): [^\n]+\n {2}check the permissions/m);
      assert.doesNotMatch(r.all, /internal error/);
      assert.equal(await repo.read('pipeline.lock'), lockBefore, 'the lock is untouched');
      assert.deepEqual((await checkRepo(repo.root, () => false)).violations, []);
      const report = await verifyCache(repo.root);
      assert.deepEqual([report.bad, report.leftovers, report.checked], [[], [], 3]);
      // Writable again: the run completes.
      assert.equal((await repo.run(['repro'])).code, 0);
      assert.equal(await repo.read('out.txt'), 'v2\n');
      assert.equal((await repo.run(['status', '-q'])).code, 0);
    } finally {
      await freezeCache(cache, false).catch(() => undefined);
      await repo.remove();
    }
  });

  test('a full disk while saving an output: the stage fails clearly, lock and cache stay whole', async (t) => {
    const mountPoint = await mkdtemp(join(tmpdir(), 'dvc-ts-full-'));
    const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { reject: false });
    if (mounted.exitCode !== 0) {
      await rm(mountPoint, { recursive: true, force: true });
      t.skip(`cannot mount a small tmpfs to fill (${String(mounted.stderr).trim() || 'not permitted'}); disk-full test skipped`);
      return;
    }
    try {
      await chmod(mountPoint, 0o755);
      const repo = await run1(mountPoint);
      const lockBefore = await readFile(join(mountPoint, 'pipeline.lock'), 'utf8');
      // 450 kB more in the workspace leaves no room for its copy in the cache.
      await repo.write({ 'params.yaml': 'size: 450000\n' });
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.all, /^Stage 's' failed: cannot write to the cache: ENOSPC: no space left on device[^\n]*\n {2}the disk is full/m);
      assert.equal(await readFile(join(mountPoint, 'pipeline.lock'), 'utf8'), lockBefore, 'the lock is untouched');
      const after = await checkRepo(mountPoint, () => false);
      assert.deepEqual(after.violations, []);
      assert.deepEqual(after.tempFiles, [], 'no half-written object left behind');
      // With room again (a smaller output), the run completes.
      await repo.write({ 'params.yaml': 'size: 1000\n' });
      const again = await repo.run(['repro']);
      assert.equal(again.code, 0, again.all);
      assert.equal((await repo.run(['status', '-q'])).code, 0);
    } finally {
      await execa('umount', [mountPoint], { reject: false });
      await rm(mountPoint, { recursive: true, force: true });
    }
  });
});

/** A repository on the small file system (TempRepo makes its own directory, so not that) with
 *  one 300 kB output already run and cached. */
async function run1(root: string): Promise<Pick<TempRepo, 'write' | 'run'>> {
  const files = {
    'params.yaml': 'size: 300000\n',
    'pipeline.yaml': 'stages:\n  s:\n    cmd: head -c ${size} /dev/urandom > big.bin\n    outs: [big.bin]\n',
  };
  const write = async (f: Record<string, string>) => {
    for (const [rel, text] of Object.entries(f)) await writeFile(join(root, rel), text);
  };
  const run = async (args: string[]) => {
    const r = await execa(process.execPath, [CLI, ...args], { cwd: root, reject: false, all: true, env: { CI: 'true', NO_COLOR: '1' } });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
  };
  await write(files);
  const first = await run(['repro']);
  assert.equal(first.code, 0, first.all);
  return { write, run };
}
