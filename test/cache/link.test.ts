import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../engine/errors.js';
import { blake3Hex } from '../../engine/hash/digest.js';
import { hashDir } from '../../engine/hash/dir.js';
import { Hasher } from '../../engine/hash/hasher.js';
import { StateCache } from '../../engine/hash/state.js';
import { checkoutOut, DEFAULT_LINK_TYPES } from '../../engine/cache/link.js';
import { saveOut } from '../../engine/cache/save.js';
import { ObjectStore } from '../../engine/cache/store.js';
import { allFiles, flipFirstByte, tempFilesUnder, tempRoot, writeTree } from './fixtures.js';


describe('checkoutOut and saveOut', async () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));
  const setup = async (files: Record<string, string | Buffer>) => {
    const root = await tempRoot('link');
    roots.push(root);
    await writeTree(root, files);
    const state = new StateCache(root);
    return { root, state, store: new ObjectStore(root, { state }), hasher: new Hasher(root, state) };
  };

  test('a saved file comes back byte for byte, editable, atomically', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff));
    const { root, store, hasher } = await setup({ 'model.bin': bytes });
    const info = await saveOut(store, hasher, 'model.bin');
    assert.deepEqual(info, { hash: blake3Hex(bytes), size: bytes.length });
    assert.equal(await store.has(info.hash), true);

    await rm(join(root, 'model.bin'));
    const res = await checkoutOut(store, 'model.bin', info);
    assert.deepEqual(DEFAULT_LINK_TYPES, ['reflink', 'copy']);
    assert.equal(res.linked, 1);
    assert.equal(res.linkTypesUsed.length, 1);
    assert.ok(['reflink', 'copy'].includes(res.linkTypesUsed[0] ?? ''));
    assert.deepEqual(await readFile(join(root, 'model.bin')), bytes);
    const st = await stat(join(root, 'model.bin'));
    assert.equal(st.mode & 0o200, 0o200, 'workspace copy is writable');
    assert.notEqual(st.ino, (await stat(store.objectPath(info.hash))).ino, 'not sharing the object inode');
    assert.deepEqual(await tempFilesUnder(root), []);
  });

  test('checkout replaces a modified workspace file', async () => {
    const { root, store, hasher } = await setup({ 'a.txt': 'v1' });
    const info = await saveOut(store, hasher, 'a.txt');
    await writeFile(join(root, 'a.txt'), 'v2 edited');
    await checkoutOut(store, join(root, 'a.txt'), info);
    assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'v1');
  });

  test('hardlink checkout shares the object inode and is read-only; symlink points at the object', async () => {
    const { root, store, hasher } = await setup({ 'a.txt': 'shared' });
    const info = await saveOut(store, hasher, 'a.txt');
    await rm(join(root, 'a.txt'));
    const res = await checkoutOut(store, 'a.txt', info, { linkTypes: ['hardlink', 'copy'] });
    assert.deepEqual(res.linkTypesUsed, ['hardlink']);
    const ws = await stat(join(root, 'a.txt'));
    assert.equal(ws.ino, (await stat(store.objectPath(info.hash))).ino);
    assert.equal(ws.mode & 0o222, 0, 'read-only so an in-place edit cannot reach the cache');

    // Checking out again over the same hardlink leaves no temp file behind.
    await checkoutOut(store, 'a.txt', info, { linkTypes: ['hardlink'] });
    assert.deepEqual(await tempFilesUnder(root), []);

    await checkoutOut(store, 'b.txt', info, { linkTypes: ['symlink'] });
    assert.ok((await lstat(join(root, 'b.txt'))).isSymbolicLink());
    assert.equal(await readlink(join(root, 'b.txt')), store.objectPath(info.hash));
  });

  test('a directory is recreated exactly: missing files back, extra files and empty dirs gone', async () => {
    const { root, store, hasher } = await setup({
      'data/a.txt': 'a',
      'data/sub/b.txt': 'bb',
      'data/sub/deep/c.txt': 'ccc',
      'data/.git/keep': 'vcs',
    });
    const info = await saveOut(store, hasher, 'data');
    assert.equal(info.nfiles, 3);
    const expected = await hashDir(join(root, 'data'));

    await rm(join(root, 'data', 'sub', 'b.txt'));
    await writeFile(join(root, 'data', 'a.txt'), 'changed');
    await writeTree(root, { 'data/extra.txt': 'x', 'data/junk/deeper/y.txt': 'y', 'data/sub/deep/z.txt': 'z' });
    const res = await checkoutOut(store, 'data', info);
    assert.equal(res.removed, 3);
    assert.deepEqual(await allFiles(join(root, 'data')), ['.git/keep', 'a.txt', 'sub/b.txt', 'sub/deep/c.txt']);
    assert.equal(await readFile(join(root, 'data', 'a.txt'), 'utf8'), 'a');
    assert.equal(await readFile(join(root, 'data', 'sub', 'b.txt'), 'utf8'), 'bb');
    await assert.rejects(stat(join(root, 'data', 'junk')), { code: 'ENOENT' });
    assert.deepEqual(await hashDir(join(root, 'data')), expected);

    // From nothing, and over a file standing where the directory goes.
    await rm(join(root, 'data'), { recursive: true });
    await writeFile(join(root, 'data'), 'not a dir');
    await checkoutOut(store, 'data', info);
    assert.deepEqual((await hashDir(join(root, 'data'))).info, info);
    assert.deepEqual(await tempFilesUnder(root), []);
  });

  test('a file already in place is left alone (known from the state cache)', async () => {
    const { store, hasher } = await setup({ 'a.txt': 'same' });
    const info = await saveOut(store, hasher, 'a.txt');
    const res = await checkoutOut(store, 'a.txt', info);
    assert.deepEqual([res.linked, res.unchanged], [0, 1]);
  });

  test('a corrupted object is detected, named, and never linked', async () => {
    const { root, store, hasher } = await setup({ 'm.bin': 'precious model', 'd/x.txt': 'x', 'd/y.txt': 'y' });
    const info = await saveOut(store, hasher, 'm.bin');
    const dirInfo = await saveOut(store, hasher, 'd');
    await flipFirstByte(store.objectPath(info.hash));
    await flipFirstByte(store.objectPath(blake3Hex('y')));
    await rm(join(root, 'm.bin'));
    await rm(join(root, 'd'), { recursive: true });

    await assert.rejects(checkoutOut(store, 'm.bin', info), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.ok(e.message.includes(store.objectPath(info.hash)), e.message);
      assert.match(e.message, /damaged/);
      return true;
    });
    await assert.rejects(stat(join(root, 'm.bin')), { code: 'ENOENT' });

    // Not even the sound file of a directory with a damaged member is linked.
    await assert.rejects(checkoutOut(store, 'd', dirInfo), (e: unknown) => e instanceof UserError && e.message.includes(store.objectPath(blake3Hex('y'))));
    await assert.rejects(stat(join(root, 'd', 'x.txt')), { code: 'ENOENT' });
  });

  test('a missing object is a user error naming it', async () => {
    const { root, store } = await setup({});
    const hash = blake3Hex('never stored');
    await assert.rejects(checkoutOut(store, 'x.txt', { hash, size: 12 }), (e: unknown) => e instanceof UserError && /missing/.test(e.message) && e.message.includes(store.objectPath(hash)));
    await assert.rejects(stat(join(root, 'x.txt')), { code: 'ENOENT' });
  });

  test('saveOut of a missing output is a user error', async () => {
    const { store, hasher } = await setup({});
    await assert.rejects(saveOut(store, hasher, 'nothing.bin'), UserError);
  });
});

describe('saveOut with a hash the caller already has', async () => {
  const root = await tempRoot('save');
  after(() => rm(root, { recursive: true, force: true }));

  test('stores without hashing again, and refuses bytes changed since', async () => {
    await writeFile(join(root, 'fresh.txt'), 'just written');
    await mkdir(join(root, 'outdir'));
    await writeFile(join(root, 'outdir', 'a'), 'a');
    const state = new StateCache(root);
    const store = new ObjectStore(root, { state });
    const hasher = new Hasher(root, state);
    const info = await hasher.hashPath('fresh.txt');
    const dirInfo = await hasher.hashPath('outdir');
    assert.ok(info && dirInfo);
    assert.equal(hasher.filesHashed, 2);
    assert.deepEqual(await saveOut(store, hasher, 'fresh.txt', info), info);
    assert.deepEqual(await saveOut(store, hasher, 'outdir', dirInfo), dirInfo);
    assert.equal(hasher.filesHashed, 2, 'no second read of the workspace files');
    assert.equal(await store.verify(info.hash), true);
    assert.equal(await store.verify(dirInfo.hash), true);

    await writeFile(join(root, 'fresh.txt'), 'JUST WRITTEN');
    const stale = { hash: blake3Hex('something else'), size: 12 };
    await assert.rejects(saveOut(store, hasher, 'fresh.txt', stale), UserError);
    assert.equal(await store.has(stale.hash), false);
  });
});
