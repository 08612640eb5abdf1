import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../engine/errors.js';
import { blake3Hex } from '../../engine/hash/digest.js';
import {
  hashDir,
  listFiles,
  manifestHashInfo,
  parseManifest,
  serializeManifest,
} from '../../engine/hash/dir.js';

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await mkdir(join(root, '.git'), { recursive: true });
  await mkdir(join(root, 'sub', '.dvc-ts'), { recursive: true });
  await writeFile(join(root, 'b.txt'), 'bee');
  await writeFile(join(root, 'a.txt'), 'a');
  await writeFile(join(root, 'sub', 'c.csv'), 'x,y\n1,2\n');
  await writeFile(join(root, 'sub', 'deeper', 'd.bin'), Buffer.from([0, 1, 2, 3]));
  await writeFile(join(root, '.git', 'HEAD'), 'ref');
  await writeFile(join(root, 'sub', '.dvc-ts', 'junk'), 'junk');
}

describe('hashDir', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'dvcts-hashdir-'));
  after(() => rm(tmp, { recursive: true, force: true }));

  test('a nested directory becomes a sorted POSIX manifest without .git and .dvc-ts', async () => {
    const d = join(tmp, 'tree');
    await makeTree(d);
    const { info, manifest } = await hashDir(d);
    assert.deepEqual(
      manifest.map((e) => e.relpath),
      ['a.txt', 'b.txt', 'sub/c.csv', 'sub/deeper/d.bin'],
    );
    assert.equal(manifest[1]?.hash, blake3Hex('bee'));
    assert.equal(manifest[3]?.size, 4);
    assert.equal(info.nfiles, 4);
    assert.equal(info.size, 1 + 3 + 8 + 4);
    assert.match(info.hash, /^[0-9a-f]{64}\.dir$/);
    assert.equal(info.hash, blake3Hex(serializeManifest(manifest)) + '.dir');
    assert.deepEqual(manifestHashInfo(manifest), info);
  });

  test('the hash follows content and names, not creation order', async () => {
    const d1 = join(tmp, 'one');
    const d2 = join(tmp, 'two');
    await makeTree(d1);
    await mkdir(join(d2, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(d2, 'sub', 'deeper', 'd.bin'), Buffer.from([0, 1, 2, 3]));
    await writeFile(join(d2, 'sub', 'c.csv'), 'x,y\n1,2\n');
    await writeFile(join(d2, 'a.txt'), 'a');
    await writeFile(join(d2, 'b.txt'), 'bee');
    const h1 = (await hashDir(d1)).info.hash;
    assert.equal((await hashDir(d2)).info.hash, h1);

    await writeFile(join(d2, 'a.txt'), 'A');
    const h2 = (await hashDir(d2)).info.hash;
    assert.notEqual(h2, h1);
    await rename(join(d2, 'b.txt'), join(d2, 'b2.txt'));
    assert.notEqual((await hashDir(d2)).info.hash, h2);
  });

  test('an empty directory has an empty manifest', async () => {
    const d = join(tmp, 'empty');
    await mkdir(d);
    const { info, manifest } = await hashDir(d);
    assert.deepEqual(manifest, []);
    assert.deepEqual(info, { hash: blake3Hex('[]') + '.dir', size: 0, nfiles: 0 });
  });

  test('symlinks to files count, a dangling symlink is a user error', async () => {
    const d = join(tmp, 'links');
    await mkdir(d);
    await writeFile(join(d, 'real'), 'data');
    await symlink(join(d, 'real'), join(d, 'alias'));
    assert.deepEqual(await listFiles(d), ['alias', 'real']);
    await symlink(join(d, 'gone'), join(d, 'dangling'));
    await assert.rejects(hashDir(d), (e: unknown) => e instanceof UserError && /dangling/.test(e.message));
  });
});

describe('manifest serialisation', () => {
  const manifest = [
    { relpath: 'a', hash: blake3Hex('1'), size: 1 },
    { relpath: 'dir/b c', hash: blake3Hex('2'), size: 2 },
  ];

  test('round-trips and is canonical', () => {
    const text = serializeManifest(manifest);
    assert.deepEqual(parseManifest(text), manifest);
    assert.equal(serializeManifest(parseManifest(text)), text);
    assert.ok(!/\s/.test(text.replace(/b c/, '')), 'no whitespace outside values');
  });

  const bad: Array<[string, unknown]> = [
    ['not an array', { a: 1 }],
    ['escaping path', [{ relpath: '../x', hash: blake3Hex('1'), size: 1 }]],
    ['absolute path', [{ relpath: '/etc/passwd', hash: blake3Hex('1'), size: 1 }]],
    ['into .git', [{ relpath: '.git/hooks/pre-commit', hash: blake3Hex('1'), size: 1 }]],
    ['bad hash', [{ relpath: 'a', hash: 'xyz', size: 1 }]],
    ['negative size', [{ relpath: 'a', hash: blake3Hex('1'), size: -1 }]],
    ['unsorted', [...manifest].reverse()],
    ['duplicate', [manifest[0], manifest[0]]],
  ];
  for (const [name, value] of bad) {
    test(`rejects a manifest with ${name}`, () => {
      assert.throws(() => parseManifest(JSON.stringify(value), 'obj'), (e: unknown) => e instanceof UserError && /^obj: corrupt/.test(e.message));
    });
  }
  test('rejects text that is not JSON', () => {
    assert.throws(() => parseManifest('{', 'obj'), UserError);
  });
});
