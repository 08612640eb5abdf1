import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FolderRemote } from '../../engine/remote/folder.js';
import { listAll } from '../../engine/remote/types.js';

test('a folder remote lists by key prefix as S3 does, even when the prefix ends inside a name', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-folder-remote-'));
  try {
    for (const key of ['files/b3/a1/x', 'files/b3/a2/y', 'files/b3/b1/z', 'runs/a1/k']) {
      await mkdir(join(dir, key, '..'), { recursive: true });
      await writeFile(join(dir, key), key);
    }
    await writeFile(join(dir, 'files/b3/a1/.x.tmp'), 'partial');
    const remote = new FolderRemote('f', dir, dir);
    assert.deepEqual(await listAll(remote, 'files/b3/a'), ['files/b3/a1/x', 'files/b3/a2/y']);
    assert.deepEqual(await listAll(remote, 'files/b3/'), ['files/b3/a1/x', 'files/b3/a2/y', 'files/b3/b1/z']);
    assert.deepEqual(await listAll(remote, 'files/b3/b1/'), ['files/b3/b1/z']);
    assert.deepEqual(await listAll(remote, 'files/b3/c'), []);
    assert.equal(await remote.exists('files/b3/a1/x'), true);
    assert.equal(await remote.exists('files/b3/a1/nope'), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
