// A repository crafted to make dvc-ts write outside it: `.dvc` files whose paths climb out with
// `..`, are absolute or pass through a committed symlink, a lock naming outs outside, and a
// directory listing on the remote whose entries climb out. `pull`, `fetch`, `checkout`, `add` and
// `gc` must write nothing outside the repository (a canary folder beside it is watched) and name
// the path they refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { manifestHashInfo, serializeManifest } from '../../engine/hash/dir.js';
import { hashFile } from '../../engine/hash/file.js';
import { TempRepo } from '../helpers/repo.js';

/** Every entry below `dir` with its kind, size and mtime: any write there changes it. */
async function snapshot(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(dir, childRel));
      lines.push(`${childRel} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) await walk(childRel);
    }
  };
  await walk('');
  return lines;
}

/** Place an object in a folder remote by hand, in the layout push uses. */
async function putOnRemote(remote: string, hash: string, bytes: string): Promise<void> {
  const dir = join(remote, 'files', 'b3', hash.slice(0, 2));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, hash.slice(2)), bytes);
}

describe('a hostile repository cannot make dvc-ts write outside it', () => {
  let base: string;
  let canary: string;
  let remote: string;
  let repo: TempRepo;
  let before_: string[];

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'dvc-ts-escape-'));
    canary = join(base, 'canary');
    remote = join(base, 'remote');
    await mkdir(join(canary, 'sub'), { recursive: true });
    await writeFile(join(canary, 'keep.txt'), 'the user outside\n');
    repo = await TempRepo.create({ 'p': 'payload\n', 'q': 'second\n' });
    assert.equal((await repo.run(['init'])).code, 0);
    assert.equal((await repo.run(['remote', 'add', '-d', 'r', remote])).code, 0);
    assert.equal((await repo.run(['add', 'p', 'q'])).code, 0);
    assert.equal((await repo.run(['push'])).code, 0);
    const p = await hashFile(repo.path('p'));
    // A directory whose listing on the remote climbs out of it: `d/../../<canary>/planted`.
    const listing = [{ relpath: `../../${basename(base)}/canary/planted`, hash: p.hash, size: p.size }];
    const dir = manifestHashInfo(listing);
    await putOnRemote(remote, dir.hash, serializeManifest(listing));
    await symlink(canary, repo.path('link'));
    await symlink(join(canary, 'not-yet'), repo.path('dangling'));
    await repo.write({
      // Through a committed symlink, and through a dangling one whose target would be created.
      'p.dvc': `outs:\n- blake3: ${p.hash}\n  size: ${p.size}\n  hash: blake3\n  path: link/p\n`,
      'q.dvc': `outs:\n- blake3: ${p.hash}\n  size: ${p.size}\n  hash: blake3\n  path: dangling/q\n`,
      'd.dvc': `outs:\n- blake3: ${dir.hash}\n  size: ${dir.size}\n  nfiles: 1\n  hash: blake3\n  path: d\n`,
    });
    await rm(repo.path('p'));
    await rm(repo.path('q'));
    await rm(repo.path('.dvc-ts/cache'), { recursive: true, force: true });
    before_ = await snapshot(canary);
  });

  after(async () => {
    await repo.remove();
    await rm(base, { recursive: true, force: true });
  });

  const unchanged = async (what: string) => assert.deepEqual(await snapshot(canary), before_, `${what} wrote outside the repository`);

  test('pull refuses the symlinked paths and the listing, names them, exits non-zero', async () => {
    const r = await repo.run(['pull']);
    assert.notEqual(r.code, 0, r.all);
    assert.match(r.all, /p\.dvc:2:3: out 'link\/p' goes through symlink 'link', which points outside the repository/);
    assert.match(r.all, /q\.dvc:2:3: out 'dangling\/q' goes through symlink 'dangling', which points outside the repository/);
    assert.match(r.all, /corrupt directory manifest: .*bad path segment '\.\.'/);
    await unchanged('pull');
  });

  test('fetch and checkout write nothing outside', async () => {
    const f = await repo.run(['fetch']);
    assert.notEqual(f.code, 0, f.all);
    await unchanged('fetch');
    const c = await repo.run(['checkout']);
    assert.notEqual(c.code, 0, c.all);
    assert.match(c.all, /out 'link\/p' goes through symlink 'link'/);
    await unchanged('checkout');
  });

  test('add refuses a path through the symlink: no data, .dvc file or .gitignore outside', async () => {
    await writeFile(join(canary, 'sub', 'x'), 'outside data\n');
    before_ = await snapshot(canary);
    const r = await repo.run(['add', 'link/sub/x']);
    assert.equal(r.code, 2, r.all);
    assert.match(r.stderr, /'link\/sub\/x' goes through symlink 'link', which points outside the repository/);
    await unchanged('add');
  });

  test('.dvc paths with .. or absolute are refused with file:line:column', async () => {
    for (const path of ['../canary/p', join(canary, 'p')]) {
      await repo.write({ 'bad.dvc': `outs:\n- blake3: ${'0'.repeat(64)}\n  size: 1\n  hash: blake3\n  path: ${path}\n` });
      for (const cmd of [['pull'], ['checkout'], ['fetch']]) {
        const r = await repo.run(cmd);
        assert.equal(r.code, 2, `${cmd.join(' ')}: ${r.all}`);
        assert.match(r.stderr, /bad\.dvc:5:9: out path .* is outside the repository/);
      }
    }
    await rm(repo.path('bad.dvc'));
    await unchanged('.. and absolute .dvc paths');
  });

  test('a lock naming outs outside the repository restores nothing there', async () => {
    await repo.write({
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo x > out.txt\n    outs: [out.txt]\n',
      'pipeline.lock': `schema: '1.0'\nstages:\n  s:\n    cmd: echo x > out.txt\n    outs:\n    - path: ../${basename(base)}/canary/out.txt\n      hash: ${'1'.repeat(64)}\n      size: 2\n    - path: ${join(canary, 'abs.txt')}\n      hash: ${'1'.repeat(64)}\n      size: 2\n`,
    });
    for (const cmd of [['checkout'], ['pull'], ['gc', '--workspace']]) await repo.run(cmd);
    await unchanged('checkout/pull/gc with a hostile lock');
  });

  test('gc writes nothing outside', async () => {
    const r = await repo.run(['gc', '--workspace']);
    assert.ok(r.code === 0 || r.code === 2, r.all);
    await unchanged('gc');
  });
});
