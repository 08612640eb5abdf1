// Running out of room or permission: a full disk, a read-only cache or workspace, an immutable
// cache. Each gets a clear error naming the path and the cause, exit 1 and never "internal error"
// with a stack trace; the previous lock and cache stay whole, and the next run, once the cause is
// gone, is a normal one. Mounting needs root (or CAP_SYS_ADMIN): without it those tests skip,
// saying why.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, statfs, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { verifyCache } from '../../engine/api/cache.js';
import { hashFile } from '../../engine/hash/file.js';
import { CLI, TempRepo, type CliResult } from '../helpers/repo.js';
import { checkRepo, findTempFiles } from './invariants.js';

const isRoot = process.getuid?.() === 0;
/** What a crash looks like: the internal-error banner or a stack frame. */
const CRASH = /internal error|\n\s+at .+:\d+:\d+/;

/** Make the cache unwritable: modes for ordinary users; root ignores them, so the immutable flag. */
async function freezeCache(dir: string, frozen: boolean): Promise<boolean> {
  if (!isRoot) {
    await execa('chmod', ['-R', frozen ? 'a-w' : 'u+w', dir]);
    return true;
  }
  const r = await execa('chattr', ['-R', frozen ? '+i' : '-i', dir], { reject: false });
  return r.exitCode === 0;
}

/** Mount a tmpfs of `size` on a new directory; a reason instead when mounting is not permitted. */
async function smallDisk(size: string): Promise<{ dir: string; unmount: () => Promise<void> } | string> {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-full-'));
  const mounted = await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { reject: false });
  if (mounted.exitCode !== 0) {
    await rm(dir, { recursive: true, force: true });
    return `cannot mount a ${size} tmpfs (${String(mounted.stderr).trim() || 'not permitted'})`;
  }
  await chmod(dir, 0o755);
  return {
    dir,
    unmount: async () => {
      await execa('umount', [dir], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Make `dir` read-only by a read-only bind mount over it; a reason instead when not permitted. */
async function readOnly(dir: string): Promise<(() => Promise<void>) | string> {
  const bound = await execa('mount', ['--bind', dir, dir], { reject: false });
  if (bound.exitCode !== 0) return `cannot bind-mount ${dir} (${String(bound.stderr).trim() || 'not permitted'})`;
  const ro = await execa('mount', ['-o', 'remount,bind,ro', dir], { reject: false });
  if (ro.exitCode !== 0) {
    await execa('umount', [dir], { reject: false });
    return `cannot remount ${dir} read-only (${String(ro.stderr).trim()})`;
  }
  return async () => {
    await execa('umount', [dir], { reject: false });
  };
}

/** The CLI in a directory TempRepo did not make (a mount point). */
async function cli(root: string, args: string[]): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI, ...args], { cwd: root, reject: false, all: true, env: { CI: 'true', NO_COLOR: '1' } });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) await writeFile(join(root, rel), text);
}

function skip(t: TestContext, reason: string): void {
  console.log(`skipped: ${reason}`);
  t.skip(reason);
}

describe('resources', () => {
  test('an immutable cache: the stage fails clearly, lock and cache stay as they were', async (t) => {
    const repo = await TempRepo.create({
      'params.yaml': 'n: 1\n',
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo "v${n}" > out.txt && mkdir -p d && echo "${n}" > d/f.txt\n    outs: [out.txt, d]\n',
    });
    const cache = repo.path('.dvc-ts/cache');
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const lockBefore = await repo.read('pipeline.lock');
      if (!(await freezeCache(cache, true))) return skip(t, 'cannot make the cache unwritable here (root without chattr support)');
      await repo.write({ 'params.yaml': 'n: 2\n' });
      const r = await repo.run(['repro']);
      await freezeCache(cache, false);
      assert.equal(r.code, 1, r.all);
      assert.match(r.all, /^Stage 's' failed: cannot write to the cache \S+\/\.dvc-ts\/cache\/\S+: (operation not permitted \(EPERM\)|permission denied \(EACCES\))\n {2}check the permissions/m);
      assert.doesNotMatch(r.all, CRASH);
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

  test('a read-only cache (read-only mount): repro and gc fail naming it, checkout still reads it', async (t) => {
    const repo = await TempRepo.create({
      'params.yaml': 'n: 1\n',
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo "v${n}" > out.txt\n    outs: [out.txt]\n',
    });
    let undo: (() => Promise<void>) | undefined;
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await repo.write({ 'params.yaml': 'n: 2\n' });
      assert.equal((await repo.run(['repro'])).code, 0); // v1's object is now garbage
      const lockBefore = await repo.read('pipeline.lock');
      const objectsBefore = (await verifyCache(repo.root)).checked;
      const ro = await readOnly(repo.path('.dvc-ts/cache'));
      if (typeof ro === 'string') return skip(t, `${ro}; read-only cache test skipped`);
      undo = ro;

      await repo.write({ 'params.yaml': 'n: 3\n' });
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /^Stage 's' failed: cannot write to the cache \S+\/\.dvc-ts\/cache\/files\/b3\/\S+: read-only file system \(EROFS\)\n {2}remount \.dvc-ts\/cache read-write$/m);
      assert.doesNotMatch(r.all, CRASH);
      assert.equal(await repo.read('pipeline.lock'), lockBefore, 'the lock is untouched');

      const gc = await repo.run(['gc', '--workspace']);
      assert.equal(gc.code, 1, gc.all);
      assert.match(gc.stderr, /^error: cannot remove \S+\/\.dvc-ts\/cache\/files\/b3\/\S+: read-only file system \(EROFS\)$/m);
      assert.doesNotMatch(gc.all, CRASH);

      // Reading a read-only cache is fine.
      await repo.write({ 'params.yaml': 'n: 2\n' });
      await rm(repo.path('out.txt'));
      const checkout = await repo.run(['checkout']);
      assert.equal(checkout.code, 0, checkout.all);
      assert.equal(await repo.read('out.txt'), 'v2\n');

      await undo();
      undo = undefined;
      assert.equal((await verifyCache(repo.root)).checked, objectsBefore, 'nothing was removed');
      assert.deepEqual((await checkRepo(repo.root, () => true)).violations, []);
      assert.equal((await repo.run(['gc', '--workspace'])).code, 0);
    } finally {
      await undo?.();
      await repo.remove();
    }
  });

  test('a read-only workspace: commands that write say so, status still reads', async (t) => {
    const repo = await TempRepo.create({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo v > out.txt\n    outs: [out.txt]\n' });
    let undo: (() => Promise<void>) | undefined;
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const ro = await readOnly(repo.root);
      if (typeof ro === 'string') return skip(t, `${ro}; read-only workspace test skipped`);
      undo = ro;
      for (const args of [['repro', '-f'], ['checkout'], ['gc', '--workspace']]) {
        const r = await repo.run(args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.all}`);
        assert.match(r.stderr, /^error: cannot take the repository lock \.dvc-ts\/tmp\/repo\.lock: read-only file system \(EROFS\)$/m, args.join(' '));
        assert.doesNotMatch(r.all, CRASH);
      }
      const status = await repo.run(['status']);
      assert.equal(status.code, 0, status.all);
      assert.doesNotMatch(status.all, CRASH);
    } finally {
      await undo?.();
      await repo.remove();
    }
  });

  test('a 2 MiB disk: a stage writing more, a cache copy that does not fit, a checkout that does not fit', async (t) => {
    const disk = await smallDisk('2m');
    if (typeof disk === 'string') return skip(t, `${disk}; disk-full test skipped`);
    const root = disk.dir;
    try {
      await execa('git', ['init', '-q'], { cwd: root });
      await writeFiles(root, {
        'params.yaml': 'size: 300000\n',
        'pipeline.yaml': 'stages:\n  small:\n    cmd: echo small > small.txt\n    outs: [small.txt]\n  big:\n    cmd: head -c ${size} /dev/urandom > big.bin\n    deps: [small.txt]\n    outs: [big.bin]\n',
      });
      const first = await cli(root, ['repro']);
      assert.equal(first.code, 0, first.all);
      const lockAfterFirst = await readFile(join(root, 'pipeline.lock'), 'utf8');
      const whole = async () => {
        const after = await checkRepo(root, () => false);
        assert.deepEqual(after.violations, []);
        assert.deepEqual(after.tempFiles, [], 'no half-written file left behind');
        assert.equal(await readFile(join(root, 'pipeline.lock'), 'utf8'), lockAfterFirst, 'the lock is untouched');
      };

      // The stage itself writes more than the disk holds.
      await writeFiles(root, { 'params.yaml': 'size: 3000000\n' });
      const tooBig = await cli(root, ['repro']);
      assert.equal(tooBig.code, 1, tooBig.all);
      // The stage's own stderr says why (the tail shown below the failure line).
      assert.match(tooBig.stdout, /^Stage 'big' failed: 'head -c 3000000 \/dev\/urandom > big\.bin' ended with exit code 1 \(log: \.dvc-ts\/logs\/big\.log\)\n(?: {2}\|.*\n)*? {2}\|.*No space left on device$/m);
      assert.doesNotMatch(tooBig.all, CRASH);
      await whole();

      // The out fits, its copy in the cache does not.
      await writeFiles(root, { 'params.yaml': 'size: 1200000\n' });
      const noCacheRoom = await cli(root, ['repro']);
      assert.equal(noCacheRoom.code, 1, noCacheRoom.all);
      assert.match(noCacheRoom.stdout, /^Stage 'big' failed: cannot write to the cache \S+\/\.dvc-ts\/cache\/files\/b3\/\S+: no space left on device \(ENOSPC\)\n {2}the disk is full/m);
      assert.doesNotMatch(noCacheRoom.all, CRASH);
      await whole();

      // Checkout into a full disk: the out named, nothing half-written left.
      await writeFiles(root, { 'params.yaml': 'size: 300000\n' });
      await rm(join(root, 'big.bin'));
      await execa('sh', ['-c', 'head -c 3000000 /dev/zero > filler.bin'], { cwd: root, reject: false });
      const full = await cli(root, ['checkout']);
      assert.equal(full.code, 1, full.all);
      assert.match(full.stderr, /^error: cannot take the repository lock \.dvc-ts\/tmp\/repo\.lock: no space left on device \(ENOSPC\)$/m);
      assert.doesNotMatch(full.all, CRASH);
      // Room for the lock and the state, not for the 300 kB out.
      const { bavail, bsize } = await statfs(root);
      await truncate(join(root, 'filler.bin'), Math.max(0, (await stat(join(root, 'filler.bin'))).size - (128 * 1024 - bavail * bsize)));
      const noRoom = await cli(root, ['checkout']);
      assert.equal(noRoom.code, 1, noRoom.all);
      assert.match(noRoom.stdout, /^error: cannot check out \S+\/big\.bin: no space left on device \(ENOSPC\)$/m);
      assert.doesNotMatch(noRoom.all, CRASH);
      assert.deepEqual(await findTempFiles(root), []);

      // With room again, everything completes.
      await rm(join(root, 'filler.bin'));
      const back = await cli(root, ['checkout']);
      assert.equal(back.code, 0, back.all);
      assert.equal((await cli(root, ['status', '-q'])).code, 0);
      await writeFiles(root, { 'params.yaml': 'size: 1000\n' });
      const again = await cli(root, ['repro']);
      assert.equal(again.code, 0, again.all);
      assert.equal((await hashFile(join(root, 'big.bin'))).size, 1000);
    } finally {
      await disk.unmount();
    }
  });
});
