import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
// One revision reader for every report: files and directory listings at a commit or in the
// workspace, cached outputs through the commit's lock, and the pipeline with that commit's params.
import { ObjectStore } from '../../engine/cache/store.js';
import { GitHistory } from '../../engine/git/history.js';
import { resolveRevision } from '../../engine/git/revision.js';
import { Snapshot } from '../../engine/git/snapshot.js';
import { hashFile } from '../../engine/hash/file.js';
import { hashDir } from '../../engine/hash/dir.js';
import { serializeLock } from '../../engine/lock/lockfile.js';

async function historyOf(root: string): Promise<GitHistory> {
  const history = await GitHistory.open(root);
  assert.ok(history, `${root} is in a git repository`);
  return history;
}

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

describe('reading files at a revision (Snapshot)', () => {
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
    const history = await historyOf(join(dir, 'proj'));
    assert.equal(await resolveRevision(history, 'HEAD'), second);
    assert.equal(await resolveRevision(history, 'HEAD~1'), first);
    assert.equal(await resolveRevision(history, 'main^'), first);
    assert.equal(await resolveRevision(history, 'v2'), second);
    assert.equal(await resolveRevision(history, first.slice(0, 7)), first);
    assert.equal(await resolveRevision(history, 'HEAD^0'), second);
    await assert.rejects(resolveRevision(history, 'HEAD~5'), /unknown revision 'HEAD~5'/);
    await assert.rejects(resolveRevision(history, 'nope'), /unknown revision 'nope'/);
  });

  test('files and directory listings at a commit, relative to a project below the git root', async () => {
    const root = join(dir, 'proj');
    const history = await historyOf(root);
    const at = (commit: string, label: string) => Snapshot.atCommit(history, commit, label, root);
    assert.equal(text(await at(first, 'HEAD~1').readBytes('plots/a.csv')), 'x,y\n1,1\n');
    assert.equal(text(await at(second, 'HEAD').readBytes('plots/a.csv')), 'x,y\n1,2\n');
    assert.equal(await at(first, 'HEAD~1').readBytes('plots/b.csv'), undefined);
    assert.equal(await at(first, 'HEAD~1').readBytes('plots'), undefined);
    assert.deepEqual(await at(first, 'HEAD~1').listBelow('plots'), ['a.csv']);
    assert.deepEqual(await at(second, 'HEAD').listBelow('plots'), ['a.csv', 'b.csv']);
    assert.equal(await at(second, 'HEAD').listBelow('plots/a.csv'), undefined);
    assert.equal(await at(second, 'HEAD').listBelow('missing'), undefined);
  });

  test('the pipeline at a commit resolves with that commit’s params', async () => {
    const root = join(dir, 'proj');
    const atFirst = await Snapshot.forRevision(root, await historyOf(root), 'HEAD~1');
    assert.equal(atFirst.commit, first);
    const pipeline = await atFirst.pipeline();
    assert.deepEqual(pipeline?.plots.map((p) => [p.id, p.props]), [['plots/a.csv', { y: 'y' }]]);
    const ws = Snapshot.workspace(root);
    assert.equal(text(await ws.readBytes('plots/a.csv')), 'x,y\n1,99\n');
    assert.deepEqual(await ws.listBelow('plots'), ['a.csv', 'b.csv']);
    assert.equal(await ws.listBelow('plots/a.csv'), undefined);
    assert.equal(await Snapshot.workspace(join(dir, 'proj', 'plots')).pipeline(), undefined);
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
    const history = await historyOf(dir);
    const snapshot = await Snapshot.forRevision(dir, history, 'HEAD', 'sub/pipeline.yaml');
    assert.equal(text(await snapshot.readBytes('sub/curve.csv', store)), 'x,y\n1,5\n');
    assert.equal(text(await snapshot.readBytes('sub/imgs/nested/b.svg', store)), '<svg/>');
    assert.equal(await snapshot.readBytes('sub/imgs/missing.png', store), undefined);
    assert.deepEqual(await snapshot.listBelow('sub/imgs', store), ['a.png', 'nested/b.svg']);
    assert.deepEqual(await snapshot.listBelow('sub', store), ['curve.csv', 'imgs/a.png', 'imgs/nested/b.svg', 'pipeline.lock', 'pipeline.yaml']);
    // Without a store, only the revision's own files; without the right pipeline file, its lock is not found.
    assert.equal(await snapshot.readBytes('sub/curve.csv'), undefined);
    assert.equal(await (await Snapshot.forRevision(dir, history, 'HEAD')).readBytes('sub/curve.csv', store), undefined);
  });
});
