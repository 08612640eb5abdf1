import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake3Hex, isHexDigest } from '../../engine/hash/digest.js';
import { hashFile, READ_CHUNK_BYTES } from '../../engine/hash/file.js';
import { createLimiter } from '../../engine/hash/limit.js';

const EMPTY_BLAKE3 = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

describe('hashFile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dvcts-hashfile-'));
  after(() => rm(dir, { recursive: true, force: true }));

  test('the empty file hashes to the BLAKE3 test vector', async () => {
    const p = join(dir, 'empty');
    await writeFile(p, '');
    assert.deepEqual(await hashFile(p), { hash: EMPTY_BLAKE3, size: 0 });
    assert.equal(blake3Hex(''), EMPTY_BLAKE3);
  });

  test('a file spanning several read chunks hashes like its whole content', async () => {
    const data = Buffer.alloc(READ_CHUNK_BYTES * 2 + 12345);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
    const p = join(dir, 'big.bin');
    await writeFile(p, data);
    const got = await hashFile(p);
    assert.equal(got.size, data.length);
    assert.equal(got.hash, blake3Hex(data));
    assert.ok(isHexDigest(got.hash));
  });

  test('one changed byte changes the hash', async () => {
    const p = join(dir, 'a.txt');
    await writeFile(p, 'hello world');
    const h1 = (await hashFile(p)).hash;
    await writeFile(p, 'hello worle');
    assert.notEqual((await hashFile(p)).hash, h1);
  });

  test('a missing file rejects with ENOENT', async () => {
    await assert.rejects(hashFile(join(dir, 'nope')), { code: 'ENOENT' });
  });
});

describe('createLimiter', () => {
  test('never runs more than the bound at once, and runs everything', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 1 + (i % 3)));
          active--;
          return i;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i));
  });

  test('a failing task frees its slot', async () => {
    const limit = createLimiter(1);
    await assert.rejects(limit(() => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await limit(async () => 7), 7);
  });
});
