// Batched hashing with real files: the batch readers (worker threads and in-thread) against the
// one-file-at-a-time reader and b3sum, files deleted or growing while hashed, unreadable files.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { blake3Hex } from '../../engine/hash/digest.js';
import { FAILED, HASHED, HASHED_STABLE, hashFilesSync, InThreadDigester, MAX_BATCH_BYTES, MAX_BATCH_FILES, planBatches, READ_BUFFER_BYTES, type BatchDigester } from '../../engine/hash/batch.js';
import { hashDir, manifestHashInfo, serializeManifest, type ManifestEntry } from '../../engine/hash/dir.js';
import { hashFile } from '../../engine/hash/file.js';
import { Hasher } from '../../engine/hash/hasher.js';
import { StateCache } from '../../engine/hash/state.js';
import { WorkerPoolDigester } from '../../engine/hash/worker-pool.js';
import { CLI } from '../helpers/repo.js';

const PAST = Math.floor(Date.now() / 1000) - 3600;

/** Bytes that differ at every offset (so a read at the wrong offset changes the hash). */
function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + seed * 7 + (i >> 9)) & 0xff;
  return b;
}

async function b3sumPath(): Promise<string | undefined> {
  try {
    await execa('b3sum', ['--version']);
    return 'b3sum';
  } catch {
    return undefined;
  }
}

/** A digester that does something to the files before the real one reads them. */
function before(inner: BatchDigester, act: (paths: readonly string[]) => Promise<void>): BatchDigester {
  return { parallelism: inner.parallelism, digestBatch: async (paths) => (await act(paths), inner.digestBatch(paths)) };
}

describe('batched hashing', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'dvcts-batch-'));
  after(() => rm(tmp, { recursive: true, force: true }));

  test('sizes around the read buffer and the batch limits hash as one at a time, and as b3sum', async () => {
    const dir = join(tmp, 'mixed');
    await mkdir(dir);
    const B = READ_BUFFER_BYTES;
    const sizes = [0, 1, 1023, 4096, B - 1, B, B + 1, 2 * B + 3, 10, MAX_BATCH_BYTES + 5, 7, 3 * B];
    const paths = sizes.map((_, i) => join(dir, `f${String(i).padStart(2, '0')}.bin`));
    for (const [i, size] of sizes.entries()) await writeFile(paths[i]!, pattern(size, i));
    const oneAtATime = await Promise.all(paths.map((p) => hashFile(p)));
    assert.deepEqual(oneAtATime.map((d) => d.size), sizes);
    for (const [i, d] of oneAtATime.entries()) assert.equal(d.hash, blake3Hex(readFileSync(paths[i]!)), `file ${i} (${sizes[i]} bytes)`);

    const sync = hashFilesSync(paths);
    assert.deepEqual([...sync.sizes], sizes);
    assert.deepEqual(paths.map((_, i) => sync.hashes.slice(i * 64, i * 64 + 64)), oneAtATime.map((d) => d.hash));

    // Through a directory: in-thread, and on worker threads, as the Hasher does.
    const expected = oneAtATime.map((d, i) => ({ relpath: `f${String(i).padStart(2, '0')}.bin`, hash: d.hash, size: d.size }));
    const inThread = await hashDir(dir);
    assert.deepEqual(inThread.manifest, expected);
    const pool = new WorkerPoolDigester({ size: 2 });
    try {
      const h = new Hasher(tmp, new StateCache(tmp), { digester: pool });
      assert.deepEqual(await h.hashPath('mixed'), inThread.info);
      assert.deepEqual(h.lastDirSnapshot('mixed')?.manifest, expected);
      for (const [i, p] of paths.entries()) assert.deepEqual(await pool.digest(p), oneAtATime[i]);
    } finally {
      await pool.close();
    }

    const b3sum = await b3sumPath();
    if (!b3sum) return; // b3sum is not installed: compared with the reference reader only.
    const { stdout } = await execa(b3sum, ['--num-threads', '1', ...paths]);
    assert.deepEqual(stdout.split('\n').map((l) => l.split(/\s+/)[0]), oneAtATime.map((d) => d.hash));
  });

  test('planBatches spreads files over the slots and keeps batches bounded (pure)', () => {
    const spans = (ends: number[]) => ends.map((e, i) => e - (i === 0 ? 0 : ends[i - 1]!));
    assert.deepEqual(planBatches(0, 2), []);
    // Sizes unknown: 256 files for 2 slots go in 8 batches, so big files spread over workers.
    assert.deepEqual(spans(planBatches(256, 2)), new Array(8).fill(32));
    assert.ok(spans(planBatches(100_000, 2)).every((n) => n <= MAX_BATCH_FILES));
    // Sizes known: small files stay together; big ones spread; one huge file is a batch of its own.
    assert.deepEqual(planBatches(5, 2, () => 10), [5]);
    assert.deepEqual(spans(planBatches(16, 2, () => 4 * 1024 * 1024)), new Array(8).fill(2));
    assert.deepEqual(planBatches(3, 1, (i) => (i === 1 ? 2 * MAX_BATCH_BYTES : 1)), [1, 2, 3]);
  });

  test('the streamed manifest hash is the hash of serializeManifest, escapes included', () => {
    const names = ['plain.txt', 'quote".txt', 'back\\slash', 'tab\there', 'ctl\u0001', 'é-accent', '日本語', 'emoji-😀', 'lone-\ud800'];
    const manifest: ManifestEntry[] = names.sort().map((relpath, i) => ({ relpath, hash: blake3Hex(String(i)), size: i * 1000 }));
    const many: ManifestEntry[] = Array.from({ length: 5000 }, (_, i) => ({ relpath: `d/${String(i).padStart(5, '0')}.bin`, hash: blake3Hex(String(i)), size: i }));
    for (const m of [[], manifest, many]) {
      const info = manifestHashInfo(m);
      assert.equal(info.hash, blake3Hex(serializeManifest(m)) + '.dir');
      assert.equal(info.nfiles, m.length);
      assert.equal(info.size, m.reduce((s, e) => s + e.size, 0));
    }
  });

  test('a file deleted between the listing and its read is left out; a single file is then missing', async () => {
    const root = join(tmp, 'deleted');
    await mkdir(join(root, 'data'), { recursive: true });
    for (const name of ['a', 'b', 'c']) await writeFile(join(root, 'data', name), name);
    await writeFile(join(root, 'single'), 'x');
    const gone = join(root, 'data', 'b');
    const digester = before(new InThreadDigester(), async (paths) => {
      for (const p of paths) if (p === gone || p.endsWith('single')) await rm(p, { force: true });
    });
    const h = new Hasher(root, new StateCache(root), { digester });
    const info = await h.hashPath('data');
    assert.deepEqual(h.lastDirSnapshot('data')?.manifest.map((e) => e.relpath), ['a', 'c']);
    assert.equal(info?.nfiles, 2);
    assert.equal(await h.hashPath('single'), undefined);
    // What is left hashes as a directory that never had the file.
    assert.deepEqual(info, (await hashDir(join(root, 'data'))).info);
  });

  test('a file growing while a worker hashes it: the digest is of a prefix, and the state never answers a stale one', async () => {
    const root = join(tmp, 'growing');
    await mkdir(root);
    const p = join(root, 'log.bin');
    const start = pattern(32 * 1024 * 1024, 3);
    await writeFile(p, start);
    await utimes(p, PAST, PAST);
    const pool = new WorkerPoolDigester({ size: 1 });
    try {
      await pool.digest(p); // the worker is up: the append below overlaps the read
      const state = new StateCache(root);
      const h = new Hasher(root, state, { digester: pool });
      const hashing = h.hashPath('log.bin');
      let settled = false;
      void hashing.finally(() => (settled = true));
      // Append until the worker has answered (the main thread only yields between appends).
      for (let i = 0; !settled && i < 2000; i++) {
        appendFileSync(p, pattern(64 * 1024, i));
        await new Promise((r) => setImmediate(r));
      }
      const got = await hashing;
      const now = await readFile(p);
      assert.ok(got && got.size >= start.length && got.size <= now.length, `hashed ${got?.size} bytes`);
      assert.equal(got.hash, blake3Hex(now.subarray(0, got.size)), 'the digest is of the bytes read, a prefix');
      await state.save();
      const again = await new Hasher(root, new StateCache(root), { digester: pool }).hashPath('log.bin');
      assert.deepEqual(again, { hash: blake3Hex(now), size: now.length }, 'the next check sees the whole file');
    } finally {
      await pool.close();
    }
  });

  test('a batch records stable files in the state, and not those it could not read', async () => {
    const root = join(tmp, 'record');
    await mkdir(join(root, 'd'), { recursive: true });
    await writeFile(join(root, 'd', 'old'), 'old');
    await utimes(join(root, 'd', 'old'), PAST, PAST);
    await writeFile(join(root, 'd', 'fresh'), 'fresh');
    const r = hashFilesSync([join(root, 'd', 'old'), join(root, 'd', 'fresh'), join(root, 'd', 'absent'), join(root, 'd')]);
    assert.deepEqual([...r.outcome], [HASHED_STABLE, HASHED, FAILED, FAILED], 'a fresh mtime is racy: hashed, not stable');
    assert.deepEqual(r.errors.map((e) => [e.index, e.code]), [[2, 'ENOENT'], [3, 'EISDIR']]);
    const h = new Hasher(root, new StateCache(root));
    await h.hashPath('d');
    assert.equal(h.state.size, 1, 'only the file with an old mtime is recorded');
  });

  test('an unreadable file in a dep directory: a clear permission error, exit 1', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dvcts-eacces-'));
    try {
      await mkdir(join(root, 'data'));
      for (let i = 0; i < 20; i++) await writeFile(join(root, 'data', `f${i}`), `x${i}`);
      await writeFile(join(root, 'pipeline.yaml'), 'stages:\n  s:\n    cmd: echo hi > out.txt\n    deps: [data]\n    outs: [out.txt]\n');
      await chmod(join(root, 'data', 'f7'), 0o000);
      // Root reads anything: the CLI then runs as root without the capabilities that bypass file
      // modes. (Not as another user: that user could not reach a clone under a 0700 folder.)
      const asRoot = process.getuid?.() === 0;
      const dropped = ['--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search'];
      const run = (args: string[]) =>
        asRoot
          ? execa('setpriv', [...dropped, process.execPath, CLI, ...args], { cwd: root, reject: false, all: true })
          : execa(process.execPath, [CLI, ...args], { cwd: root, reject: false, all: true });
      const message = /cannot open \S+\/data\/f7: permission denied \(EACCES\)\n\s+check the owner and mode/;
      const status = await run(['status']);
      assert.match(status.all, new RegExp(`s: not run: ${message.source}`));
      const repro = await run(['repro']);
      assert.equal(repro.exitCode, 1, repro.all);
      assert.match(repro.all, message);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
