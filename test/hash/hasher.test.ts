import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake3Hex } from '../../engine/hash/digest.js';
import { InThreadDigester, type BatchDigester } from '../../engine/hash/batch.js';
import { Hasher } from '../../engine/hash/hasher.js';
import { StateCache } from '../../engine/hash/state.js';

const PAST = Math.floor(Date.now() / 1000) - 3600;

/** Overwrite bytes in place (same inode, same size), then put the old whole-second mtime back. */
async function swapBytesKeepingStat(p: string, replacement: string): Promise<void> {
  const before = await stat(p, { bigint: true });
  const fh = await open(p, 'r+');
  await fh.write(Buffer.from(replacement), 0, replacement.length, 0);
  await fh.close();
  await utimes(p, PAST, PAST);
  const after = await stat(p, { bigint: true });
  assert.deepEqual([after.ino, after.size, after.mtimeNs], [before.ino, before.size, before.mtimeNs]);
}

describe('Hasher', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'dvcts-hasher-'));
  after(() => rm(tmp, { recursive: true, force: true }));

  test('hashes files and directories, undefined when missing', async () => {
    const root = join(tmp, 'basic');
    await mkdir(join(root, 'data', 'nested'), { recursive: true });
    await writeFile(join(root, 'model.bin'), 'weights');
    await writeFile(join(root, 'data', 'one.txt'), '1');
    await writeFile(join(root, 'data', 'nested', 'two.txt'), '22');
    const h = new Hasher(root, new StateCache(root));

    assert.deepEqual(await h.hashPath('model.bin'), { hash: blake3Hex('weights'), size: 7 });
    assert.equal(await h.hashPath('absent.txt'), undefined);
    assert.equal(await h.hashPath('model.bin/inside'), undefined);

    const info = await h.hashPath('data');
    assert.ok(info);
    assert.equal(info.nfiles, 2);
    assert.equal(info.size, 3);
    const snap = h.lastDirSnapshot('data');
    assert.deepEqual(snap?.info, info);
    assert.deepEqual(
      snap?.manifest.map((e) => [e.relpath, e.hash]),
      [['nested/two.txt', blake3Hex('22')], ['one.txt', blake3Hex('1')]],
    );
  });

  test('an unchanged file is answered from the saved state and not read again', async () => {
    const root = join(tmp, 'state');
    const p = join(root, 'data.csv');
    await mkdir(root, { recursive: true });
    await writeFile(p, 'original');
    await utimes(p, PAST, PAST);

    const first = new Hasher(root, new StateCache(root));
    assert.equal((await first.hashPath('data.csv'))?.hash, blake3Hex('original'));
    assert.equal(first.filesHashed, 1);
    await first.state.save();

    // Different bytes behind an identical (inode, mtime, size): only a read could notice.
    await swapBytesKeepingStat(p, 'ORIGINAL');
    const second = new Hasher(root, new StateCache(root));
    assert.equal((await second.hashPath('data.csv'))?.hash, blake3Hex('original'), 'answered from state');
    assert.equal(second.filesHashed, 0);
    assert.equal(second.state.hits, 1);

    // Touching the file (new mtime) makes it read again, and the real content shows.
    await utimes(p, PAST + 10, PAST + 10);
    assert.equal((await second.hashPath('data.csv'))?.hash, blake3Hex('ORIGINAL'));
    assert.equal(second.filesHashed, 1);
    assert.equal(second.state.misses, 1);
  });

  test('a directory rehash reads only the changed file', async () => {
    const root = join(tmp, 'dirstate');
    await mkdir(join(root, 'd'), { recursive: true });
    for (let i = 0; i < 5; i++) {
      await writeFile(join(root, 'd', `f${i}`), `content ${i}`);
      await utimes(join(root, 'd', `f${i}`), PAST, PAST);
    }
    const h = new Hasher(root, new StateCache(root));
    const before = await h.hashPath('d');
    assert.equal(h.filesHashed, 5);
    await writeFile(join(root, 'd', 'f3'), 'changed');
    await utimes(join(root, 'd', 'f3'), PAST + 5, PAST + 5);
    const afterInfo = await h.hashPath('d');
    assert.equal(h.filesHashed, 6);
    assert.notEqual(afterInfo?.hash, before?.hash);
  });

  test('files go through the digester in batches; concurrent requests for one file share a read', async () => {
    const root = join(tmp, 'conc');
    await mkdir(join(root, 'many'), { recursive: true });
    await Promise.all(Array.from({ length: 30 }, (_, i) => writeFile(join(root, 'many', `f${i}`), `x${i}`)));
    await Promise.all(Array.from({ length: 5 }, (_, i) => writeFile(join(root, `single${i}`), `s${i}`)));
    const batches: number[] = [];
    const inner = new InThreadDigester();
    const digester: BatchDigester = {
      parallelism: 2,
      digestBatch(paths) {
        batches.push(paths.length);
        return inner.digestBatch(paths);
      },
    };
    const h = new Hasher(root, new StateCache(root), { digester });
    const [a, b] = await Promise.all([h.hashPath('many'), h.hashPath('many')]);
    assert.equal(a?.nfiles, 30);
    assert.deepEqual(a, b);
    assert.equal(h.filesHashed, 30, 'concurrent requests for one directory share a read');
    assert.ok(batches.length >= 2 && batches.length <= 8, `30 files in ${batches.length} batches`);
    batches.length = 0;
    // Single files asked for in one turn of the event loop go in one batch.
    const singles = await Promise.all([0, 1, 2, 3, 4, 0, 1].map((i) => h.hashPath(`single${i}`)));
    assert.deepEqual(singles.map((s) => s?.hash), [0, 1, 2, 3, 4, 0, 1].map((i) => blake3Hex(`s${i}`)));
    assert.equal(h.filesHashed, 35);
    assert.deepEqual(batches, [5], 'five small files in one batch');
  });
});
