// Damaged cache objects never reach the workspace, `cache verify` finds them, and hardlinked
// outs cannot be edited in place into the cache.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { verifyCache } from '../../engine/api/cache.js';
import { ObjectStore } from '../../engine/cache/store.js';
import { parseLock } from '../../engine/lock/lockfile.js';
import { TempRepo } from '../helpers/repo.js';
import { present } from './invariants.js';

const PIPELINE = `stages:
  make:
    cmd: mkdir -p outdir/sub && echo "alpha file" > out.txt && echo one > outdir/a.txt && echo two > outdir/sub/b.txt && echo x >> runs.count
    outs: [out.txt, outdir]
`;

async function lockedOuts(repo: TempRepo): Promise<Map<string, string>> {
  const lock = parseLock(await repo.read('pipeline.lock'));
  return new Map(lock.stages.make!.outs.map((o) => [o.path, o.hash]));
}

/** Overwrite an object's bytes as bit rot or a stray write would (root ignores its 0444 mode). */
async function damage(path: string, keepSize = true): Promise<void> {
  const bytes = await readFile(path);
  const flipped = Buffer.from(bytes);
  flipped[0] = flipped[0]! ^ 0xff;
  await chmod(path, 0o644);
  await writeFile(path, keepSize ? flipped : Buffer.concat([flipped, Buffer.from('!')]));
  await chmod(path, 0o444);
}

describe('damaged cache objects', () => {
  test('checkout refuses a damaged file object; cache verify lists it; --remove deletes it; repro rebuilds', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const store = new ObjectStore(repo.root);
      const outs = await lockedOuts(repo);
      const fileObject = store.objectPath(outs.get('out.txt')!);
      await damage(fileObject);
      await execa('rm', ['-rf', repo.path('out.txt')]);

      const checkout = await repo.run(['checkout']);
      assert.equal(checkout.code, 1, checkout.all);
      assert.match(checkout.stdout, /^error: cache object \S+ is damaged: its content hashes to [0-9a-f]{64}, not [0-9a-f]{64}$/m);
      assert.equal(await present(repo.path('out.txt')), false, 'the damaged bytes were not restored');

      const verify = await repo.run(['cache', 'verify']);
      assert.equal(verify.code, 1, verify.all);
      const rel = fileObject.slice(repo.root.length + 1);
      assert.match(verify.stdout, new RegExp(`^damaged: ${rel} \\(content hashes to [0-9a-f]{64}\\)$`, 'm'));
      assert.match(verify.stdout, /^1 of 4 cache objects is damaged or incomplete; run `dvc-ts cache verify --remove` to delete them\.$/m);

      const removed = await repo.run(['cache', 'verify', '--remove']);
      assert.equal(removed.code, 1, 'damage found is still reported');
      assert.equal(await present(fileObject), false);
      const clean = await repo.run(['cache', 'verify']);
      assert.equal(clean.code, 0, clean.all);
      assert.equal(clean.stdout, 'All 3 cache objects are intact.');

      const again = await repo.run(['repro']);
      assert.equal(again.code, 0, again.all);
      assert.equal(await repo.count('runs.count'), 2, 'the stage ran again: its out was neither on disk nor in the cache');
      assert.equal(await repo.read('out.txt'), 'alpha file\n');
      assert.equal((await repo.run(['cache', 'verify'])).code, 0);
      assert.equal((await repo.run(['status', '-q'])).code, 0);
    } finally {
      await repo.remove();
    }
  });

  test('a damaged file inside a directory out: nothing of the directory is restored', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const store = new ObjectStore(repo.root);
      const manifest = await store.readManifest((await lockedOuts(repo)).get('outdir')!);
      const member = manifest.find((e) => e.relpath === 'sub/b.txt')!;
      await damage(store.objectPath(member.hash), false);
      await execa('rm', ['-rf', repo.path('outdir')]);
      const checkout = await repo.run(['checkout']);
      assert.equal(checkout.code, 1, checkout.all);
      assert.match(checkout.stdout, new RegExp(`cache object \\S+${member.hash.slice(2)} is damaged`));
      assert.equal(await present(repo.path('outdir')), false, 'no half directory');
    } finally {
      await repo.remove();
    }
  });

  test('cache verify reads every byte: corruption that keeps size, inode and mtime is found', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const store = new ObjectStore(repo.root);
      const object = store.objectPath((await lockedOuts(repo)).get('out.txt')!);
      const before = await stat(object, { bigint: true });
      await damage(object);
      // Put the nanosecond mtime back, as silent bit rot would leave it.
      const ns = before.mtimeNs;
      await execa('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, object]);
      assert.equal((await stat(object, { bigint: true })).mtimeNs, ns);
      const report = await verifyCache(repo.root);
      assert.deepEqual(report.bad.map((b) => [b.hash, b.problem]), [[(await lockedOuts(repo)).get('out.txt'), 'damaged']]);
    } finally {
      await repo.remove();
    }
  });

  test('verifyCache: damaged manifest, incomplete manifest, leftover temp files; remove clears them all', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const store = new ObjectStore(repo.root);
      const dirHash = (await lockedOuts(repo)).get('outdir')!;
      const manifest = await store.readManifest(dirHash);
      // A manifest listing a file the cache lost, and a temp file a killed writer left.
      await execa('rm', ['-f', store.objectPath(manifest[0]!.hash)]);
      const leftover = store.objectPath(dirHash).replace(/[^/]+$/, '.deadbeef.1234.0a0b0c0d.tmp');
      await writeFile(leftover, 'partial');
      let report = await verifyCache(repo.root);
      assert.deepEqual(report.bad.map((b) => [b.hash, b.problem]), [[dirHash, 'incomplete']]);
      assert.match(report.bad[0]!.detail, /^1 of 2 files missing from the cache \(a\.txt\)$/);
      assert.equal(report.leftovers.length, 1);
      assert.equal(report.checked, 3);

      await damage(store.objectPath(dirHash));
      report = await verifyCache(repo.root, { remove: true });
      assert.deepEqual(report.bad.map((b) => [b.hash, b.problem]), [[dirHash, 'damaged']]);
      assert.equal(await present(leftover), false);
      assert.equal(await present(store.objectPath(dirHash)), false);
      report = await verifyCache(repo.root);
      assert.deepEqual([report.bad, report.leftovers, report.checked], [[], [], 2]);
    } finally {
      await repo.remove();
    }
  });
});

describe('hardlinked outs', () => {
  test('a checked-out hardlink is read-only, so an in-place edit cannot reach the cache', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, '.dvc-ts/config.yaml': 'cache:\n  type: [hardlink]\n' });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await execa('rm', ['-rf', repo.path('out.txt'), repo.path('outdir')]);
      const checkout = await repo.run(['checkout']);
      assert.equal(checkout.code, 0, checkout.all);
      const store = new ObjectStore(repo.root);
      const object = store.objectPath((await lockedOuts(repo)).get('out.txt')!);
      const [ws, obj] = await Promise.all([stat(repo.path('out.txt')), stat(object)]);
      assert.equal(ws.ino, obj.ino, 'the out is a hard link to the object');
      assert.equal(ws.mode & 0o222, 0, 'no write permission on the workspace file');

      // An edit in place fails; as root (which ignores modes) it is tried without the capabilities
      // that bypass them (not as another user, who might not reach a temp dir under a 0700 folder).
      const edit = ['sh', '-c', 'echo edit >> out.txt'];
      const asRoot = process.getuid?.() === 0;
      const dropped = ['--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search'];
      const attempt = await execa(asRoot ? 'setpriv' : edit[0]!, asRoot ? [...dropped, ...edit] : edit.slice(1), {
        cwd: repo.root,
        reject: false,
      });
      assert.notEqual(attempt.exitCode, 0, 'a write through the read-only hard link succeeded');
      assert.match(String(attempt.stderr), /Permission denied/);
      assert.equal(await readFile(object, 'utf8'), 'alpha file\n');
      // An editor that replaces the file (write a new one, rename over) leaves the object alone.
      await execa('sh', ['-c', 'sed "s/alpha/beta/" out.txt > .out.new && mv -f .out.new out.txt'], { cwd: repo.root });
      assert.equal(await readFile(object, 'utf8'), 'alpha file\n');
      assert.equal((await verifyCache(repo.root)).bad.length, 0);
      const status = await repo.run(['status']);
      assert.match(status.stdout, /out\.txt/, 'the edit shows as a modified out');
    } finally {
      await repo.remove();
    }
  });
});
