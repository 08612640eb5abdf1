import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { isomorphicGitReader } from '../../../engine/report/plots/git.js';
import { loadPipelineFrom, textReaderOf, commitFiles, workspaceFiles } from '../../../engine/report/plots/revisions.js';
import { ObjectStore } from '../../../engine/cache/store.js';
import { hashFile } from '../../../engine/hash/file.js';
import { hashDir } from '../../../engine/hash/dir.js';
import { serializeLock } from '../../../engine/lock/lockfile.js';

describe('reading files at a commit with isomorphic-git', () => {
  let dir: string;
  const git = (...args: string[]) => execa('git', args, { cwd: dir });
  let first: string;
  let second: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dvc-ts-plots-git-'));
    await git('init', '-q', '-b', 'main');
    await git('config', 'user.email', 't@dvc-ts.invalid');
    await git('config', 'user.name', 't');
    await git('config', 'commit.gpgsign', 'false');
    await mkdir(join(dir, 'proj/plots'), { recursive: true });
    await writeFile(join(dir, 'proj/plots/a.csv'), 'x,y\n1,1\n');
    await writeFile(join(dir, 'proj/pipeline.yaml'), 'plots:\n  - plots/a.csv:\n      y: ${col}\n');
    await writeFile(join(dir, 'proj/params.yaml'), 'col: y\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'one');
    first = (await git('rev-parse', 'HEAD')).stdout.trim();
    await writeFile(join(dir, 'proj/plots/a.csv'), 'x,y\n1,2\n');
    await writeFile(join(dir, 'proj/plots/b.csv'), 'x,y\n1,3\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'two');
    second = (await git('rev-parse', 'HEAD')).stdout.trim();
    await git('tag', '-a', 'v2', '-m', 'tag');
    // Uncommitted: must never be seen at a revision.
    await writeFile(join(dir, 'proj/plots/a.csv'), 'x,y\n1,99\n');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('revisions resolve: HEAD, ancestry, branch, annotated tag, short hash', async () => {
    const reader = await isomorphicGitReader(join(dir, 'proj'));
    assert.equal(await reader.resolveCommit('HEAD'), second);
    assert.equal(await reader.resolveCommit('HEAD~1'), first);
    assert.equal(await reader.resolveCommit('main^'), first);
    assert.equal(await reader.resolveCommit('v2'), second);
    assert.equal(await reader.resolveCommit(first.slice(0, 7)), first);
    assert.equal(await reader.resolveCommit('HEAD^0'), second);
    await assert.rejects(reader.resolveCommit('HEAD~5'), /unknown revision 'HEAD~5'/);
    await assert.rejects(reader.resolveCommit('nope'), /unknown revision 'nope'/);
  });

  test('files and directory listings at a commit, relative to a project below the git root', async () => {
    const reader = await isomorphicGitReader(join(dir, 'proj'));
    const text = async (commit: string, path: string) => {
      const b = await reader.readBlob(commit, path);
      return b === undefined ? undefined : Buffer.from(b).toString('utf8');
    };
    assert.equal(await text(first, 'plots/a.csv'), 'x,y\n1,1\n');
    assert.equal(await text(second, 'plots/a.csv'), 'x,y\n1,2\n');
    assert.equal(await text(first, 'plots/b.csv'), undefined);
    assert.equal(await text(first, 'plots'), undefined);
    assert.deepEqual(await reader.listTree(first, 'plots'), ['a.csv']);
    assert.deepEqual(await reader.listTree(second, 'plots'), ['a.csv', 'b.csv']);
    assert.equal(await reader.listTree(second, 'plots/a.csv'), undefined);
    assert.equal(await reader.listTree(second, 'missing'), undefined);
  });

  test('the pipeline at a commit resolves with that commit’s params', async () => {
    const root = join(dir, 'proj');
    const reader = await isomorphicGitReader(root);
    const atFirst = commitFiles(root, reader, 'HEAD~1', first);
    const pipeline = await loadPipelineFrom(textReaderOf(atFirst), root);
    assert.deepEqual(pipeline?.plots.map((p) => [p.id, p.props]), [['plots/a.csv', { y: 'y' }]]);
    const ws = workspaceFiles(root);
    assert.equal(Buffer.from((await ws.readFile('plots/a.csv'))!).toString(), 'x,y\n1,99\n');
    assert.deepEqual(await ws.listDir('plots'), ['a.csv', 'b.csv']);
    assert.equal(await ws.listDir('plots/a.csv'), undefined);
    assert.equal(await loadPipelineFrom(async () => undefined), undefined);
  });
});

describe('cached outputs at a commit', () => {
  let dir: string;
  const git = (...args: string[]) => execa('git', args, { cwd: dir });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('are read through the lock beside the pipeline file and the local cache, files and directories', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dvc-ts-plots-cache-'));
    await git('init', '-q', '-b', 'main');
    await git('config', 'user.email', 't@dvc-ts.invalid');
    await git('config', 'user.name', 't');
    await git('config', 'commit.gpgsign', 'false');
    // The outputs exist only in the cache: write them, store them, delete them.
    await mkdir(join(dir, 'sub/imgs/nested'), { recursive: true });
    await writeFile(join(dir, 'sub/curve.csv'), 'x,y\n1,5\n');
    await writeFile(join(dir, 'sub/imgs/a.png'), 'PNG-A');
    await writeFile(join(dir, 'sub/imgs/nested/b.svg'), '<svg/>');
    const store = new ObjectStore(dir);
    const curve = await hashFile(join(dir, 'sub/curve.csv'));
    await store.addFile(join(dir, 'sub/curve.csv'), curve);
    const imgs = await hashDir(join(dir, 'sub/imgs'));
    await store.addDir(join(dir, 'sub/imgs'), imgs.manifest, imgs.info);
    await rm(join(dir, 'sub/curve.csv'));
    await rm(join(dir, 'sub/imgs'), { recursive: true });
    const lock = {
      schema: '1.0',
      stages: { s: { cmd: ['true'], deps: [], params: {}, outs: [{ path: 'sub/curve.csv', ...curve }, { path: 'sub/imgs', ...imgs.info }] } },
    };
    await writeFile(join(dir, 'sub/pipeline.lock'), serializeLock(lock, ['s']));
    await writeFile(join(dir, 'sub/pipeline.yaml'), 'stages:\n  s:\n    cmd: "true"\n    plots: [curve.csv, imgs]\n');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'outs in the cache only');
    const reader = await isomorphicGitReader(dir);
    const commit = await reader.resolveCommit('HEAD');
    const files = commitFiles(dir, reader, 'HEAD', commit, 'sub/pipeline.yaml');
    const text = async (p: string) => {
      const b = await files.readFile(p);
      return b === undefined ? undefined : Buffer.from(b).toString('utf8');
    };
    assert.equal(await text('sub/curve.csv'), 'x,y\n1,5\n');
    assert.equal(await text('sub/imgs/nested/b.svg'), '<svg/>');
    assert.equal(await text('sub/imgs/missing.png'), undefined);
    assert.deepEqual(await files.listDir('sub/imgs'), ['a.png', 'nested/b.svg']);
    assert.deepEqual(await files.listDir('sub'), ['curve.csv', 'imgs/a.png', 'imgs/nested/b.svg', 'pipeline.lock', 'pipeline.yaml']);
    // Without the right pipeline file, its lock is not found and neither are the outputs.
    assert.equal(await commitFiles(dir, reader, 'HEAD', commit).readFile('sub/curve.csv'), undefined);
  });
});
