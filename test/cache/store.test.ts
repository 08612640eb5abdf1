import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../engine/errors.js';
import { blake3Hex } from '../../engine/hash/digest.js';
import { hashDir, serializeManifest } from '../../engine/hash/dir.js';
import { StateCache } from '../../engine/hash/state.js';
import { ObjectStore } from '../../engine/cache/store.js';
import { flipFirstByte, tempFilesUnder, tempRoot, writeTree } from './fixtures.js';


describe('ObjectStore', async () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));
  const newRoot = async (): Promise<string> => {
    const r = await tempRoot('store');
    roots.push(r);
    return r;
  };

  test('addFile stores a read-only object under b3/<2>/<62>, has and verify see it', async () => {
    const root = await newRoot();
    await writeTree(root, { 'model.bin': 'weights' });
    const store = new ObjectStore(root);
    const hash = blake3Hex('weights');
    assert.equal(await store.has(hash), false);
    assert.equal(await store.verify(hash), false, 'a missing object does not verify');

    assert.equal(await store.addFile(join(root, 'model.bin'), { hash, size: 7 }), true);
    const p = store.objectPath(hash);
    assert.equal(p, join(root, '.dvc-ts', 'cache', 'files', 'b3', hash.slice(0, 2), hash.slice(2)));
    assert.equal(await readFile(p, 'utf8'), 'weights');
    assert.equal((await stat(p)).mode & 0o777, 0o444);
    assert.equal(await store.has(hash), true);
    assert.equal(await store.verify(hash), true);
    assert.equal(await store.addFile(join(root, 'model.bin'), { hash, size: 7 }), false, 'present: skipped');
    assert.deepEqual(await store.list(), [hash]);
    assert.deepEqual(await tempFilesUnder(join(root, '.dvc-ts')), []);
  });

  test('addFile refuses bytes that do not match the given hash and leaves no temp file', async () => {
    const root = await newRoot();
    await writeTree(root, { 'f.txt': 'actual content' });
    const store = new ObjectStore(root);
    const claimed = blake3Hex('what was hashed earlier');
    await assert.rejects(store.addFile(join(root, 'f.txt'), { hash: claimed, size: 14 }), UserError);
    assert.equal(await store.has(claimed), false);
    assert.deepEqual(await tempFilesUnder(join(root, '.dvc-ts')), []);
  });

  test('invalid object names are rejected', async () => {
    const store = new ObjectStore(await newRoot());
    assert.throws(() => store.objectPath('../../etc/passwd'), UserError);
    assert.throws(() => store.objectPath('ABC'), UserError);
  });

  test('addDir stores each file and the manifest, readManifest returns it', async () => {
    const root = await newRoot();
    await writeTree(root, { 'data/a.txt': 'a', 'data/sub/b.txt': 'b', 'data/dup.txt': 'a' });
    const store = new ObjectStore(root);
    const { info, manifest } = await hashDir(join(root, 'data'));
    assert.equal(await store.addDir(join(root, 'data'), manifest, info), 2, 'two distinct contents');
    assert.equal(await store.has(info.hash), true);
    assert.equal(await readFile(store.objectPath(info.hash), 'utf8'), serializeManifest(manifest));
    assert.deepEqual(await store.readManifest(info.hash), manifest);
    assert.equal(await store.verify(info.hash), true);
    assert.deepEqual(await store.list(), [blake3Hex('a'), blake3Hex('b'), info.hash].sort());
    assert.deepEqual(await tempFilesUnder(join(root, '.dvc-ts')), []);
  });

  test('addDir refuses a manifest that does not match the hash info', async () => {
    const root = await newRoot();
    await writeTree(root, { 'd/a.txt': 'a' });
    const store = new ObjectStore(root);
    const { manifest } = await hashDir(join(root, 'd'));
    await assert.rejects(store.addDir(join(root, 'd'), manifest, { hash: blake3Hex('x') + '.dir', size: 1, nfiles: 1 }));
  });

  test('verify detects a flipped byte in a file object and a manifest object', async () => {
    const root = await newRoot();
    await writeTree(root, { 'd/a.txt': 'alpha', 'f.txt': 'file' });
    const state = new StateCache(root);
    const store = new ObjectStore(root, { state });
    const { info, manifest } = await hashDir(join(root, 'd'));
    await store.addDir(join(root, 'd'), manifest, info);
    const fileHash = blake3Hex('file');
    await store.addFile(join(root, 'f.txt'), { hash: fileHash, size: 4 });
    assert.equal(await store.verify(fileHash), true);

    await flipFirstByte(store.objectPath(fileHash));
    const check = await store.checkObject(fileHash);
    assert.equal(check.status, 'damaged');
    assert.equal(await store.verify(fileHash), false);

    await flipFirstByte(store.objectPath(info.hash));
    assert.equal(await store.verify(info.hash), false);
    await assert.rejects(store.readManifest(info.hash), (e: unknown) => e instanceof UserError && /damaged/.test(e.message));
  });

  test('a verified object is not rehashed while unchanged', async () => {
    const root = await newRoot();
    await writeTree(root, { 'f.txt': 'stable' });
    const state = new StateCache(root);
    const store = new ObjectStore(root, { state });
    const hash = blake3Hex('stable');
    await store.addFile(join(root, 'f.txt'), { hash, size: 6 });
    const hitsBefore = state.hits;
    assert.equal(await store.verify(hash), true);
    assert.equal(await store.verify(hash), true);
    assert.equal(state.hits - hitsBefore, 2, 'both checks answered by the state cache');
  });
});
