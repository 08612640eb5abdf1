import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { blake3Hex } from '../../engine/hash/digest.js';
import { isRacy, parseStateText, StateCache } from '../../engine/hash/state.js';

/** A whole-second mtime an hour ago: far outside any racy window. */
const PAST = Math.floor(Date.now() / 1000) - 3600;

async function fileWithOldMtime(p: string, content: string): Promise<void> {
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, content);
  await utimes(p, PAST, PAST);
}

describe('StateCache', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'dvcts-state-'));
  after(() => rm(tmp, { recursive: true, force: true }));

  test('an entry survives save and a fresh load in another instance', async () => {
    const root = join(tmp, 'roundtrip');
    const p = join(root, 'data', 'x.csv');
    await fileWithOldMtime(p, 'abc');
    const st = await stat(p, { bigint: true });
    const s1 = new StateCache(root);
    assert.equal(await s1.set(p, st, blake3Hex('abc')), true);
    await s1.save();
    assert.deepEqual(await readdir(join(root, '.dvc-ts', 'state')), ['hashes.json'], 'no temp file left');

    const s2 = new StateCache(root);
    assert.equal(await s2.get(p, st), blake3Hex('abc'));
    assert.equal(s2.hits, 1);
    assert.equal(s2.misses, 0);
    assert.equal(s2.loadProblem, undefined);
  });

  test('a different size, mtime or inode is a miss', async () => {
    const root = join(tmp, 'miss');
    const p = join(root, 'f');
    await fileWithOldMtime(p, 'abc');
    const st = await stat(p, { bigint: true });
    const s = new StateCache(root);
    await s.set(p, st, blake3Hex('abc'));
    assert.equal(await s.get(p, { ...st, size: st.size + 1n }), undefined);
    assert.equal(await s.get(p, { ...st, mtimeNs: st.mtimeNs + 1n }), undefined);
    assert.equal(await s.get(p, { ...st, ino: st.ino + 1n }), undefined);
    assert.equal(await s.get(join(root, 'other'), st), undefined);
    assert.equal(s.misses, 4);
    assert.equal(s.hits, 0);
  });

  test('a corrupt or unreadable state file is treated as empty, never thrown', async () => {
    const root = join(tmp, 'corrupt');
    const p = join(root, 'f');
    await fileWithOldMtime(p, 'abc');
    const st = await stat(p, { bigint: true });
    for (const garbage of ['{"format":"dvc-ts-state/1","entries":[[', '\u0000\u0001binary', '[]', '{"format":"other"}']) {
      const s = new StateCache(root);
      await mkdir(dirname(s.file), { recursive: true });
      await writeFile(s.file, garbage);
      assert.equal(await s.get(p, st), undefined);
      assert.ok(s.loadProblem, `a problem is reported for ${JSON.stringify(garbage)}`);
      // And it recovers by overwriting the bad file.
      await s.set(p, st, blake3Hex('abc'));
      await s.save();
      assert.equal(await new StateCache(root).get(p, st), blake3Hex('abc'));
    }
    // A directory where the file should be: unreadable, still no crash.
    const s = new StateCache(root, { file: join(root, 'adir') });
    await mkdir(s.file);
    assert.equal(await s.get(p, st), undefined);
    assert.ok(s.loadProblem);
  });

  test('damaged rows are dropped, good rows kept', () => {
    const good = ['f', '12', '1700000000000000000', 3, blake3Hex('abc')];
    const parsed = parseStateText(
      JSON.stringify({ format: 'dvc-ts-state/1', entries: [good, ['g', 'x', '1', 1, 'h'], 'junk', ['h', '1', '1', -1, blake3Hex('')]] }),
    );
    assert.ok(parsed instanceof Map);
    assert.deepEqual([...parsed.keys()], ['f']);
  });

  test('a file modified just now is not recorded (racy mtime)', async () => {
    const root = join(tmp, 'racy');
    const p = join(root, 'fresh');
    await mkdir(root, { recursive: true });
    await writeFile(p, 'new');
    const st = await stat(p, { bigint: true });
    const s = new StateCache(root);
    assert.equal(await s.set(p, st, blake3Hex('new')), false);
    assert.equal(await s.get(p, st), undefined);
    assert.equal(isRacy(BigInt(PAST) * 1_000_000_000n, Date.now()), false);
    assert.equal(isRacy(BigInt(Date.now()) * 1_000_000n + 1n, Date.now()), true);
  });

  test('100,000 entries load and save quickly', async (t) => {
    const root = join(tmp, 'big');
    const s = new StateCache(root);
    const hash = blake3Hex('x');
    const base = BigInt(PAST) * 1_000_000_000n;
    for (let i = 0; i < 100_000; i++) {
      await s.set(join(root, 'data', `shard-${i % 100}`, `file-${i}.bin`), { ino: BigInt(1000 + i), mtimeNs: base + BigInt(i), size: BigInt(i) }, hash);
    }
    const t0 = performance.now();
    await s.save();
    const t1 = performance.now();
    const loaded = new StateCache(root);
    await loaded.load();
    const t2 = performance.now();
    assert.equal(loaded.size, 100_000);
    assert.equal(
      await loaded.get(join(root, 'data', 'shard-7', 'file-99907.bin'), { ino: 100907n, mtimeNs: base + 99907n, size: 99907n }),
      hash,
    );
    const bytes = (await stat(s.file)).size;
    // Timings are reported, never asserted: they belong to `npm run bench`.
    t.diagnostic(`100k entries: save ${(t1 - t0).toFixed(0)} ms, load ${(t2 - t1).toFixed(0)} ms, ${(bytes / 1e6).toFixed(1)} MB`);
  });
});
