import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { blake3Hex } from '../../engine/hash/digest.js';
import { Hasher } from '../../engine/hash/hasher.js';
import { StateCache } from '../../engine/hash/state.js';
import { computeRunKey } from '../../engine/hash/stage.js';
import { RunCache } from '../../engine/cache/runcache.js';
import { saveOut } from '../../engine/cache/save.js';
import { ObjectStore } from '../../engine/cache/store.js';
import type { LockPathEntry } from '../../engine/types.js';
import { tempFilesUnder, tempRoot, writeTree } from './fixtures.js';

describe('RunCache', async () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  const setup = async () => {
    const root = await tempRoot('runs');
    roots.push(root);
    await writeTree(root, { 'model.bin': 'weights', 'eval/a.json': '{"acc":1}', 'eval/b.json': '{"acc":2}' });
    const state = new StateCache(root);
    const store = new ObjectStore(root, { state });
    const hasher = new Hasher(root, state);
    const outs: LockPathEntry[] = [];
    for (const path of ['model.bin', 'eval']) outs.push({ path, ...(await saveOut(store, hasher, path)) });
    const key = computeRunKey({ cmd: ['train'], deps: [], params: {}, outs: outs.map((o) => o.path) });
    return { root, store, runs: new RunCache(root, store), outs, key };
  };

  test('saveRun then findRun round-trips the outs, written atomically', async () => {
    const { root, runs, outs, key } = await setup();
    assert.equal(await runs.findRun(key), undefined, 'nothing before saving');
    await runs.saveRun(key, outs);
    assert.equal(runs.entryPath(key), join(root, '.dvc-ts', 'cache', 'runs', key.slice(0, 2), key));
    assert.deepEqual(await readdir(dirname(runs.entryPath(key))), [key]);
    assert.deepEqual(await runs.findRun(key), outs);
    assert.equal(outs[1]?.nfiles, 2);
    assert.deepEqual(await tempFilesUnder(join(root, '.dvc-ts')), []);
  });

  test('a missing file object invalidates the entry', async () => {
    const { store, runs, outs, key } = await setup();
    await runs.saveRun(key, outs);
    await unlink(store.objectPath(blake3Hex('weights')));
    assert.equal(await runs.findRun(key), undefined);
  });

  test('a missing file inside a directory output invalidates the entry', async () => {
    const { store, runs, outs, key } = await setup();
    await runs.saveRun(key, outs);
    await unlink(store.objectPath(blake3Hex('{"acc":2}')));
    assert.equal(await runs.findRun(key), undefined);
  });

  test('a missing or corrupt manifest invalidates the entry', async () => {
    const { store, runs, outs, key } = await setup();
    await runs.saveRun(key, outs);
    const manifestPath = store.objectPath(outs[1]!.hash);
    await chmod(manifestPath, 0o644);
    await writeFile(manifestPath, '[]');
    assert.equal(await runs.findRun(key), undefined);
    await unlink(manifestPath);
    assert.equal(await runs.findRun(key), undefined);
  });

  test('a corrupt entry is a miss, not a crash', async () => {
    const { runs, outs, key } = await setup();
    await runs.saveRun(key, outs);
    await writeFile(runs.entryPath(key), '{"format":"dvc-ts-run/1","outs":[{"path":"x"');
    assert.equal(await runs.findRun(key), undefined);
    await writeFile(runs.entryPath(key), JSON.stringify({ format: 'dvc-ts-run/1', outs: [{ path: 'x', hash: 'nothex', size: 1 }] }));
    assert.equal(await runs.findRun(key), undefined);
  });

  test('run keys must be hex digests', async () => {
    const { runs } = await setup();
    assert.throws(() => runs.entryPath('../../escape'));
  });
});
