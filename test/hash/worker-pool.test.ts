// The hashing worker pool with real worker threads: a worker that reports an error, throws, exits
// or dies rejects exactly the job it was running, and the pool goes on hashing the rest.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake3Hex } from '../../engine/hash/digest.js';
import { WorkerPoolDigester } from '../../engine/hash/worker-pool.js';

const FAILING_WORKER = new URL('./failing-worker.js', import.meta.url);
const BROKEN_WORKER = new URL('./broken-worker.js', import.meta.url);

describe('WorkerPoolDigester', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dvcts-pool-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const files: string[] = [];
  for (let i = 0; i < 6; i++) {
    const p = join(dir, `f${i}.bin`);
    await writeFile(p, `content ${i}\n`.repeat(1000 * (i + 1)));
    files.push(p);
  }
  const expected = (i: number) => {
    const text = `content ${i}\n`.repeat(1000 * (i + 1));
    return { hash: blake3Hex(text), size: Buffer.byteLength(text) };
  };

  test('the real worker: a file that is gone, or a directory, rejects its job only', async () => {
    const pool = new WorkerPoolDigester({ size: 2 });
    try {
      const jobs = [files[0]!, join(dir, 'vanished.bin'), files[1]!, dir, files[2]!].map((p) => pool.digest(p));
      const settled = await Promise.allSettled(jobs);
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      assert.equal((settled[1] as PromiseRejectedResult).reason.code, 'ENOENT');
      assert.equal((settled[3] as PromiseRejectedResult).reason.code, 'EISDIR');
      for (const [slot, i] of [[0, 0], [2, 1], [4, 2]] as const) {
        assert.deepEqual((settled[slot] as PromiseFulfilledResult<unknown>).value, expected(i));
      }
      // Errors the worker reports leave it alive: no worker was replaced.
      assert.ok(pool.workers <= 2);
    } finally {
      await pool.close();
    }
  });

  for (const how of ['throw', 'exit'] as const) {
    test(`a worker that dies (${how}) rejects the job it was running; the pool goes on`, async () => {
      const pool = new WorkerPoolDigester({ size: 2, workerUrl: FAILING_WORKER });
      const crashing = join(dir, `${how}-me.bin`);
      await writeFile(crashing, 'x');
      try {
        // Jobs queued before, beside and after the crash all settle: none hangs.
        const paths = [files[0]!, crashing, files[1]!, files[2]!, files[3]!, crashing, files[4]!, files[5]!];
        const settled = await Promise.allSettled(paths.map((p) => pool.digest(p)));
        const rejected = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
        assert.deepEqual(rejected, [1, 5], 'exactly the crashing jobs fail');
        for (const i of [1, 5]) assert.match(String((settled[i] as PromiseRejectedResult).reason.message), new RegExp(`hashing .*${how}-me.bin failed`));
        for (const [slot, file] of [[0, 0], [2, 1], [3, 2], [4, 3], [6, 4], [7, 5]] as const) {
          assert.deepEqual((settled[slot] as PromiseFulfilledResult<unknown>).value, expected(file), `job ${slot}`);
        }
        // And afterwards, with fresh workers, it still hashes.
        assert.deepEqual(await pool.digest(files[5]!), expected(5));
        assert.ok(pool.workers >= 1 && pool.workers <= 2, `${pool.workers} workers`);
      } finally {
        await pool.close();
      }
    });
  }

  test('a lone batch while no worker is up is hashed on this thread; spread work starts workers', async () => {
    const pool = new WorkerPoolDigester({ size: 2 });
    try {
      const lone = await pool.digestBatch(files.slice(0, 3), true);
      assert.equal(pool.workers, 0, 'no worker started for work that cannot be spread');
      assert.deepEqual([0, 1, 2].map((i) => ({ hash: lone.hashes.slice(i * 64, i * 64 + 64), size: lone.sizes[i] })), [0, 1, 2].map(expected));
      const spread = await Promise.all([pool.digestBatch(files.slice(0, 3)), pool.digestBatch(files.slice(3))]);
      assert.ok(pool.workers >= 1, 'workers for batches sent together');
      assert.deepEqual([...spread[1].sizes], [3, 4, 5].map((i) => expected(i).size));
      // Once a worker is up, even a lone batch goes to it (the main thread stays free).
      await pool.digestBatch(files.slice(0, 1), true);
      assert.ok(pool.workers >= 1);
    } finally {
      await pool.close();
    }
  });

  test('mainThread: small work never starts a worker; more than warmAfter does', async () => {
    const pool = new WorkerPoolDigester({ size: 1, mainThread: true, warmAfter: { bytes: Infinity, files: 7 } });
    try {
      const six = await Promise.all(files.map((f) => pool.digestBatch([f])));
      assert.deepEqual(six.map((b) => ({ hash: b.hashes, size: b.sizes[0] })), files.map((_, i) => expected(i)));
      assert.equal(pool.workers, 0, 'six files hashed here, no worker');
      assert.equal(pool.batchesHashedHere, 6);
      // Twelve more at once: after seven of them, with work still queued, the worker starts.
      await Promise.all(Array.from({ length: 12 }, (_, i) => pool.digestBatch([files[i % 6]!])));
      assert.equal(pool.workers, 1);
    } finally {
      await pool.close();
    }
  });

  test('mainThread: this thread hashes while the workers load, and the results are the same', async () => {
    const pool = new WorkerPoolDigester({ size: 1, mainThread: true, warmAfter: { bytes: 0, files: 0 } });
    try {
      assert.equal(pool.parallelism, 2, 'one worker and this thread');
      const lone = await pool.digestBatch(files.slice(0, 2), true);
      assert.equal(pool.workers, 0, 'a lone batch starts no worker');
      assert.equal(pool.batchesHashedHere, 1);
      assert.deepEqual([...lone.sizes], [0, 1].map((i) => expected(i).size));
      // Six batches at once: the first ones are hashed here while the worker is still loading.
      const batches = await Promise.all(files.map((f) => pool.digestBatch([f])));
      assert.equal(pool.workers, 1);
      assert.ok(pool.batchesHashedHere >= 2, `${pool.batchesHashedHere - 1} of 6 batches hashed here`);
      assert.deepEqual(batches.map((b) => ({ hash: b.hashes, size: b.sizes[0] })), files.map((_, i) => expected(i)));
      // Once the worker is ready it takes work too.
      for (let waited = 0; pool.readyWorkers === 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      assert.equal(pool.readyWorkers, 1, 'the worker finished loading');
      const before = pool.batchesHashedHere;
      await Promise.all(Array.from({ length: 20 }, (_, i) => pool.digestBatch([files[i % 6]!])));
      assert.ok(pool.batchesHashedHere - before < 20, 'the ready worker hashed some of 20 batches');
    } finally {
      await pool.close();
    }
  });

  test('a worker that cannot load: queued work fails with why, or is hashed here with mainThread', async () => {
    const alone = new WorkerPoolDigester({ size: 2, workerUrl: BROKEN_WORKER });
    try {
      const settled = await Promise.allSettled(files.slice(0, 3).map((f) => alone.digest(f)));
      assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'rejected'], 'nothing hangs');
      for (const s of settled) assert.match(String((s as PromiseRejectedResult).reason.message), /no hashing worker could start: .*this worker cannot load/);
      await assert.rejects(alone.digest(files[0]!), /no hashing worker could start/, 'and no worker is started again');
    } finally {
      await alone.close();
    }
    const helped = new WorkerPoolDigester({ size: 1, mainThread: true, workerUrl: BROKEN_WORKER, warmAfter: { bytes: 0, files: 0 } });
    try {
      const digests = await Promise.all(files.map((f) => helped.digest(f)));
      assert.deepEqual(digests, files.map((_, i) => expected(i)));
      assert.equal(helped.batchesHashedHere, 6, 'every batch hashed on this thread');
      // Later work too, without a worker.
      assert.deepEqual(await Promise.all(files.slice(0, 2).map((f) => helped.digest(f))), [expected(0), expected(1)]);
    } finally {
      await helped.close();
    }
  });

  test('close rejects what is still queued and later calls', async () => {
    const pool = new WorkerPoolDigester({ size: 1 });
    const outcome = (p: Promise<unknown>) => p.then(() => 'hashed', (e: Error) => e.message);
    await pool.digest(files[0]!); // the worker is ready: the next job runs at once
    const first = outcome(pool.digest(files[0]!));
    const queued = outcome(pool.digest(files[1]!));
    await pool.close();
    assert.equal(await queued, 'the hashing worker pool is closed');
    assert.match(await first, /hashed|exited/, 'the running job settles either way');
    await assert.rejects(pool.digest(files[2]!), /closed/);
  });
});
