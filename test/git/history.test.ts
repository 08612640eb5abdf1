import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../../engine/errors.js';
import { dateOrder, GitHistory, type CommitInfo } from '../../engine/git/history.js';
import { parseRevision, resolveRevision } from '../../engine/git/revision.js';
import { selectRevisions } from '../../engine/git/scope.js';

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

/** A repository with history: main c1 → c2 → c3 → merge(c3, side), a side branch, two tags. */
async function makeHistory(): Promise<{ root: string; git: (...args: string[]) => Promise<string>; oids: Record<string, string> }> {
  const root = await mkdtemp(join(tmpdir(), 'dvc-ts-git-'));
  const git = async (...args: string[]) => String((await execa('git', args, { cwd: root })).stdout);
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 't@dvc-ts.invalid');
  await git('config', 'user.name', 't');
  await git('config', 'commit.gpgsign', 'false');
  const commit = async (name: string, files: Record<string, string>, time: number) => {
    await write(root, files);
    await git('add', '-A');
    await execa('git', ['commit', '-q', '-m', name], { cwd: root, env: { GIT_COMMITTER_DATE: `${time} +0000`, GIT_AUTHOR_DATE: `${time} +0000` } });
    return git('rev-parse', 'HEAD');
  };
  const oids: Record<string, string> = {};
  oids.c1 = await commit('c1', { 'a.txt': 'one\n', 'sub/pipeline.lock': 'x\n' }, 1_700_000_000);
  await git('tag', 'light');
  oids.c2 = await commit('c2', { 'a.txt': 'two\n', 'dir/x.json': '{}', 'dir/deep/y.json': '[]' }, 1_700_000_100);
  await git('tag', '-a', 'annotated', '-m', 'release');
  await git('checkout', '-q', '-b', 'side');
  oids.s1 = await commit('s1', { 'side.txt': 'side\n' }, 1_700_000_150);
  await git('checkout', '-q', 'main');
  oids.c3 = await commit('c3', { 'a.txt': 'three\n' }, 1_700_000_200);
  await execa('git', ['merge', '-q', '--no-ff', '-m', 'merge', 'side'], { cwd: root, env: { GIT_COMMITTER_DATE: '1700000300 +0000', GIT_AUTHOR_DATE: '1700000300 +0000' } });
  oids.merge = await git('rev-parse', 'HEAD');
  await write(root, { 'a.txt': 'uncommitted\n', 'new.txt': 'new\n' });
  return { root, git, oids };
}

describe('parseRevision', () => {
  test('splits a base from its ancestry steps', () => {
    assert.deepEqual(parseRevision('main~2^2'), { base: 'main', steps: [{ kind: '~', n: 2 }, { kind: '^', n: 2 }] });
    assert.deepEqual(parseRevision('HEAD^^'), { base: 'HEAD', steps: [{ kind: '^', n: 1 }, { kind: '^', n: 1 }] });
    assert.deepEqual(parseRevision('@~'), { base: 'HEAD', steps: [{ kind: '~', n: 1 }] });
    assert.deepEqual(parseRevision('feature/x'), { base: 'feature/x', steps: [] });
    assert.equal(parseRevision('a..b'), undefined);
    assert.equal(parseRevision('HEAD@{1}'), undefined);
    assert.equal(parseRevision('x~y'), undefined);
  });
});

describe('dateOrder', () => {
  test('newest first, but a parent never before its child', () => {
    const c = (oid: string, time: number, parents: string[] = []): CommitInfo => ({ oid, time, parents, tree: '', subject: oid });
    // b's clock was behind (older than its parent a) and m, x, a share one second.
    const commits = [c('a', 100), c('b', 50, ['a']), c('x', 100, ['a']), c('m', 100, ['b', 'x'])];
    const map = new Map(commits.map((k) => [k.oid, k]));
    // Discovery order puts the root first, as a walk from an old branch would.
    assert.deepEqual(dateOrder(map, ['a', 'x', 'b', 'm']).map((k) => k.oid), ['m', 'x', 'b', 'a']);
  });
});

describe('reading git history', () => {
  let repo: Awaited<ReturnType<typeof makeHistory>>;
  let history: GitHistory;
  let statusBefore: string;

  before(async () => {
    repo = await makeHistory();
    statusBefore = await repo.git('status', '--porcelain');
    history = (await GitHistory.open(repo.root))!;
  });
  after(async () => rm(repo.root, { recursive: true, force: true }));

  test('every spelling of a revision resolves to the right commit', async () => {
    const { oids } = repo;
    const cases: [string, string][] = [
      ['HEAD', oids.merge!],
      ['@', oids.merge!],
      ['main', oids.merge!],
      ['HEAD~1', oids.c3!],
      ['HEAD^', oids.c3!],
      ['HEAD^2', oids.s1!],
      ['HEAD~2', oids.c2!],
      ['main~3', oids.c1!],
      ['HEAD^^^', oids.c1!],
      ['HEAD^2~1', oids.c2!],
      ['side', oids.s1!],
      ['light', oids.c1!],
      ['annotated', oids.c2!],
      ['refs/heads/side', oids.s1!],
      [oids.c2!.slice(0, 7), oids.c2!],
      [oids.c2!.toUpperCase().slice(0, 10), oids.c2!],
      [oids.c3!, oids.c3!],
      [`${oids.c3!.slice(0, 8)}~1`, oids.c2!],
    ];
    for (const [rev, expected] of cases) assert.equal(await resolveRevision(history, rev), expected, rev);
  });

  test('an unknown revision is a UserError naming it', async () => {
    for (const [rev, detail] of [
      ['foo', undefined],
      ['HEAD~4', 'HEAD~3 has no parent'],
      ['HEAD^3', 'HEAD has no parent number 3'],
      ['0000000', undefined],
      ['a'.repeat(40), undefined],
    ] as const) {
      await assert.rejects(resolveRevision(history, rev), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(e.message, `unknown revision '${rev}'`);
        if (detail) assert.deepEqual(e.details, [detail]);
        return true;
      });
    }
  });

  test('files read at a revision; absent ones are undefined', async () => {
    assert.equal(await history.readText(repo.oids.c1!, 'a.txt'), 'one\n');
    assert.deepEqual(await history.readBytes(repo.oids.c1!, 'a.txt'), new TextEncoder().encode('one\n'));
    assert.equal(await history.readText(repo.oids.c3!, 'a.txt'), 'three\n');
    assert.equal(await history.readText(repo.oids.c1!, 'dir/x.json'), undefined);
    assert.equal(await history.readText(repo.oids.c2!, 'dir'), undefined);
    assert.equal(await history.readText(repo.oids.c2!, 'a.txt/nope'), undefined);
    assert.deepEqual(await history.listFiles(repo.oids.c2!, 'dir'), ['dir/deep/y.json', 'dir/x.json']);
    assert.equal(await history.listFiles(repo.oids.c2!, 'a.txt'), undefined);
    assert.deepEqual(await history.filesNamed(repo.oids.c3!, 'pipeline.lock'), ['sub/pipeline.lock']);
  });

  test('branches, tags and every commit once, newest first', async () => {
    assert.deepEqual(await history.branches(), [{ name: 'main', commit: repo.oids.merge }, { name: 'side', commit: repo.oids.s1 }]);
    assert.deepEqual(await history.tags(), [{ name: 'annotated', commit: repo.oids.c2 }, { name: 'light', commit: repo.oids.c1 }]);
    const all = await history.allCommits();
    assert.deepEqual(all.map((c) => c.subject), ['merge', 'c3', 's1', 'c2', 'c1']);
    const selected = await selectRevisions(history, { workspace: true, allCommits: true, revs: ['HEAD~1'] });
    assert.deepEqual(selected.map((s) => s.label), ['workspace', 'HEAD~1', ...all.map((c) => c.oid.slice(0, 7))]);
  });

  test('a dvc-ts root in a subdirectory reads paths below it', async () => {
    const sub = (await GitHistory.open(join(repo.root, 'dir')))!;
    assert.equal(sub.gitRoot, history.gitRoot);
    assert.equal(sub.prefix, 'dir');
    assert.equal(await sub.readText(repo.oids.c2!, 'x.json'), '{}');
    assert.deepEqual(await sub.listFiles(repo.oids.c2!, 'deep'), ['deep/y.json']);
  });

  test('not a git repository: open gives undefined', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'dvc-ts-nogit-'));
    try {
      assert.equal(await GitHistory.open(bare), undefined);
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  test('reading history leaves the work tree and the index alone', async () => {
    assert.equal(await repo.git('status', '--porcelain'), statusBefore);
    assert.match(statusBefore, / M a\.txt/);
  });
});
