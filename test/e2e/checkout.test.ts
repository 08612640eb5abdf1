// `checkout` never destroys bytes the cache does not hold: a modified out, a file added to or
// edited in a directory out, is named and left alone (exit 1) unless --force.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { TempRepo } from '../helpers/repo.js';

const PIPELINE = `stages:
  build:
    cmd: echo "model \${v}" > model.bin && mkdir -p images/sub && echo "a \${v}" > images/a.png && echo b > images/sub/b.png
    outs: [model.bin, images]
  other:
    cmd: echo other > other.txt
    outs: [other.txt]
`;

async function built(v = 1): Promise<TempRepo> {
  const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': `v: ${v}\n` });
  const r = await repo.run(['repro']);
  assert.equal(r.code, 0, r.all);
  return repo;
}

async function listDir(repo: TempRepo, rel: string): Promise<string[]> {
  const entries = await readdir(repo.path(rel), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => `${e.parentPath.slice(repo.path(rel).length + 1)}/${e.name}`.replace(/^\//, '')).sort();
}

describe('checkout keeps what the cache does not hold', () => {
  test('a modified file out: exit 1, named, bytes unchanged; other outs restored; --force replaces it', async () => {
    const repo = await built();
    try {
      await repo.write({ 'model.bin': 'my own model, never saved\n' });
      await rm(repo.path('other.txt'));
      const r = await repo.run(['checkout']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /^error: model\.bin was modified and its bytes are not in the cache: not checked out$/m);
      assert.match(r.stdout, /checkout --force/);
      assert.doesNotMatch(r.all, /internal error|\n\s+at /);
      assert.equal(await repo.read('model.bin'), 'my own model, never saved\n', 'the bytes are untouched');
      assert.equal(await repo.read('other.txt'), 'other\n', 'what loses nothing is still restored');

      const forced = await repo.run(['checkout', '--force']);
      assert.equal(forced.code, 0, forced.all);
      assert.match(forced.stdout, /^M {7}model\.bin$/m);
      assert.equal(await repo.read('model.bin'), 'model 1\n');
      assert.equal((await repo.run(['status', '-q'])).code, 0);
    } finally {
      await repo.remove();
    }
  });

  test('a directory out with an added and an edited file: both named, nothing in it touched; --force makes it exact', async () => {
    const repo = await built();
    try {
      await repo.write({ 'images/new.png': 'a picture I made\n', 'images/sub/b.png': 'edited\n' });
      await rm(repo.path('images/a.png'));
      const r = await repo.run(['checkout', 'build']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /^error: images holds 2 files whose bytes are not in the cache: not checked out\n {2}images\/new\.png\n {2}images\/sub\/b\.png$/m);
      assert.deepEqual(await listDir(repo, 'images'), ['new.png', 'sub/b.png'], 'nothing deleted, nothing restored');
      assert.equal(await repo.read('images/new.png'), 'a picture I made\n');
      assert.equal(await repo.read('images/sub/b.png'), 'edited\n');

      const forced = await repo.run(['checkout', '--force', 'build']);
      assert.equal(forced.code, 0, forced.all);
      assert.deepEqual(await listDir(repo, 'images'), ['a.png', 'sub/b.png']);
      assert.equal(await repo.read('images/sub/b.png'), 'b\n');
    } finally {
      await repo.remove();
    }
  });

  test('a directory where a file out goes, holding new work: kept, named', async () => {
    const repo = await built();
    try {
      await rm(repo.path('model.bin'));
      await repo.write({ 'model.bin/notes.txt': 'notes\n' });
      const r = await repo.run(['checkout']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /^error: model\.bin holds 1 file whose bytes are not in the cache: not checked out\n {2}model\.bin\/notes\.txt$/m);
      assert.equal(await repo.read('model.bin/notes.txt'), 'notes\n');
    } finally {
      await repo.remove();
    }
  });

  test('bytes the cache holds (an earlier version) are replaced without --force, as DVC does', async () => {
    const repo = await built(1);
    try {
      await repo.write({ 'params.yaml': 'v: 2\n' });
      assert.equal((await repo.run(['repro'])).code, 0);
      // Put version 1 back by hand: its bytes are in the cache, nothing can be lost.
      await repo.write({ 'model.bin': 'model 1\n', 'images/a.png': 'a 1\n', 'images/extra.png': 'b\n' });
      const r = await repo.run(['checkout']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('model.bin'), 'model 2\n');
      assert.deepEqual(await listDir(repo, 'images'), ['a.png', 'sub/b.png']);
      assert.equal(await repo.read('images/a.png'), 'a 2\n');
    } finally {
      await repo.remove();
    }
  });
});
