import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { blake3Hex } from '../../engine/hash/digest.js';
import { TempRepo } from '../helpers/repo.js';

const PIPELINE = `stages:
  count:
    cmd: cat raw/*.txt | wc -l > count.txt && echo ran >> runs.log
    deps: [raw]
    outs: [count.txt]
`;
const objectPath = (text: string) => {
  const h = blake3Hex(text);
  return `.dvc-ts/cache/files/b3/${h.slice(0, 2)}/${h.slice(2)}`;
};

describe('tracked data: add, status, checkout, commit, gc', () => {
  const repos: TempRepo[] = [];
  after(async () => {
    for (const r of repos) await r.remove();
  });
  const make = async (files: Record<string, string>) => {
    const r = await TempRepo.create(files);
    repos.push(r);
    return r;
  };

  test('add caches a directory, writes DVC-format raw.dvc, git-ignores it; a stage reading it goes stale when it changes', async () => {
    const repo = await make({ 'raw/a.txt': 'a\n', 'raw/b.txt': 'b\n', 'pipeline.yaml': PIPELINE, '.gitignore': '/runs.log\n' });
    const added = await repo.run(['add', 'raw']);
    assert.equal(added.code, 0, added.all);
    const dvc = await repo.read('raw.dvc');
    assert.match(dvc, /^outs:\n- blake3: [0-9a-f]{64}\.dir\n  size: 4\n  nfiles: 2\n  hash: blake3\n  path: raw\n$/);
    assert.match(await repo.read('.gitignore'), /^\/raw$/m);
    assert.equal(await repo.exists(objectPath('a\n')), true);
    assert.equal((await repo.git('status', '--porcelain', 'raw')).trim(), '', 'git still sees raw/');

    assert.equal((await repo.run(['repro'])).code, 0);
    assert.equal((await repo.run(['status', '-q'])).code, 0, 'status not clean after repro');
    await repo.write({ 'raw/c.txt': 'c\n' });
    const status = await repo.run(['status']);
    assert.match(status.stdout, /count: stale/);
    assert.match(status.stdout, /raw \(raw\.dvc\): modified/);
    assert.equal((await repo.run(['status', '-q'])).code, 1);
    const json = JSON.parse((await repo.run(['status', '--json'])).stdout) as { tracked: { path: string; state: string }[] };
    assert.deepEqual(json.tracked.map((t) => [t.path, t.state]), [['raw', 'modified']]);

    assert.equal((await repo.run(['add', 'raw'])).code, 0);
    assert.match(await repo.read('raw.dvc'), /nfiles: 3/);
    assert.equal((await repo.run(['repro'])).code, 0);
    assert.equal(await repo.count('runs.log'), 2);
    assert.equal((await repo.read('count.txt')).trim(), '3');
  });

  test('add of data in a subfolder prints a git add of the files it wrote, and that command stages them all', async () => {
    const repo = await make({ 'data/raw/a.txt': 'a\n', 'notes.txt': 'n\n' });
    const added = await repo.run(['add', 'data/raw']);
    assert.equal(added.code, 0, added.all);
    const hint = /^To track the changes with git: (git add .*)$/m.exec(added.stdout);
    assert.ok(hint, added.stdout);
    assert.equal(hint[1], 'git add data/raw.dvc data/.gitignore');
    await repo.git(...hint[1].split(' ').slice(1));
    // Everything add wrote is staged; only the file it never touched stays untracked.
    assert.equal(await repo.git('status', '--porcelain', '--', 'data', 'notes.txt'), 'A  data/.gitignore\nA  data/raw.dvc\n?? notes.txt');
  });

  test('add refuses a stage output and a path outside the repository', async () => {
    const repo = await make({ 'raw/a.txt': 'a\n', 'pipeline.yaml': PIPELINE });
    const out = await repo.run(['add', 'count.txt']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /overlaps the output count\.txt of stage 'count'/);
    const outside = await repo.run(['add', '../x']);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /not inside the repository/);
  });

  test('checkout restores tracked data, and never overwrites changes that are not in the cache unless forced', async () => {
    const repo = await make({ 'data.csv': 'x,y\n1,2\n' });
    assert.equal((await repo.run(['add', 'data.csv'])).code, 0);
    await repo.write({ 'data.csv': 'edited by hand\n' });
    const refused = await repo.run(['checkout']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /data\.csv: modified and not in the cache, left as it is/);
    assert.equal(await repo.read('data.csv'), 'edited by hand\n');
    const forced = await repo.run(['checkout', '--force']);
    assert.equal(forced.code, 0, forced.all);
    assert.equal(await repo.read('data.csv'), 'x,y\n1,2\n');
    await import('node:fs/promises').then((fs) => fs.rm(repo.path('data.csv')));
    const restored = await repo.run(['checkout']);
    assert.equal(restored.code, 0, restored.all);
    assert.match(restored.stdout, /A {7}data\.csv/);
    assert.equal(await repo.read('data.csv'), 'x,y\n1,2\n');
  });

  test('a tracked directory holding only bytes the cache has (a checkout killed half way) is completed; one with a new file is kept', async () => {
    const repo = await make({ 'raw/a.txt': 'a\n', 'raw/b.txt': 'b\n', 'raw/sub/c.txt': 'c\n' });
    assert.equal((await repo.run(['add', 'raw'])).code, 0);
    const fs = await import('node:fs/promises');
    await fs.rm(repo.path('raw'), { recursive: true });
    await repo.write({ 'raw/a.txt': 'a\n' });
    const completed = await repo.run(['checkout']);
    assert.equal(completed.code, 0, completed.all);
    assert.deepEqual([await repo.read('raw/a.txt'), await repo.read('raw/b.txt'), await repo.read('raw/sub/c.txt')], ['a\n', 'b\n', 'c\n']);
    await fs.rm(repo.path('raw/b.txt'));
    await repo.write({ 'raw/mine.txt': 'my own\n' });
    const kept = await repo.run(['checkout']);
    assert.equal(kept.code, 1, kept.all);
    assert.match(kept.stderr, /raw: holds 1 file not in the cache \(raw\/mine\.txt\), left as it is/);
    assert.equal(await repo.read('raw/mine.txt'), 'my own\n');
    assert.equal(await repo.exists('raw/b.txt'), false, 'nothing restored into a directory that is kept');
  });

  test('commit records the .dvc file; gc keeps what the workspace or a kept commit tracks', async () => {
    const repo = await make({ 'pipeline.yaml': PIPELINE, 'raw/a.txt': 'v1\n' });
    assert.equal((await repo.run(['add', 'raw'])).code, 0);
    assert.equal((await repo.run(['repro'])).code, 0);
    const committed = await repo.run(['commit', '-m', 'v1']);
    assert.equal(committed.code, 0, committed.all);
    assert.match(await repo.git('show', '--name-only', 'HEAD'), /^raw\.dvc$/m);
    await repo.write({ 'raw/a.txt': 'v2\n' });
    assert.equal((await repo.run(['add', 'raw'])).code, 0);
    // The lock records what `count` read: rerun it so the workspace no longer refers to v1.
    assert.equal((await repo.run(['repro'])).code, 0);
    const dry = await repo.run(['gc', '--workspace', '--dry']);
    assert.match(dry.stdout, new RegExp(objectPath('v1\n').split('/').slice(-1)[0]!), 'v1 is garbage for the workspace alone');
    assert.doesNotMatch(dry.stdout, new RegExp(objectPath('v2\n').split('/').slice(-1)[0]!));
    assert.equal((await repo.run(['gc', '--all-commits'])).code, 0);
    assert.equal(await repo.exists(objectPath('v1\n')), true, 'gc removed data a kept commit tracks');
    assert.equal((await repo.run(['gc', '--workspace'])).code, 0);
    assert.equal(await repo.exists(objectPath('v1\n')), false);
    assert.equal(await repo.exists(objectPath('v2\n')), true);
  });

  test("DVC's md5 .dvc files are read unchanged: checked by md5, re-tracked by add", async () => {
    const bytes = 'sample,data\n';
    const md5 = createHash('md5').update(bytes).digest('hex');
    const repo = await make({ 'sample.csv': bytes, 'sample.csv.dvc': `outs:\n- md5: ${md5}\n  size: ${bytes.length}\n  hash: md5\n  path: sample.csv\n` });
    assert.equal((await repo.run(['status', '-q'])).code, 0, 'a matching md5 file is up to date');
    await repo.write({ 'sample.csv': 'changed\n' });
    const status = await repo.run(['status']);
    assert.match(status.stdout, /sample\.csv \(sample\.csv\.dvc\): modified/);
    const push = await repo.run(['push']);
    assert.equal(push.code, 2);
    assert.match(push.stderr, /no remote configured/);
    assert.equal((await repo.run(['add', 'sample.csv'])).code, 0);
    assert.match(await repo.read('sample.csv.dvc'), /hash: blake3/);
  });
});

describe('remote configuration', () => {
  test('remotes live in the committed config; credentials only in the git-ignored local one', async () => {
    const repo = await TempRepo.create({ 'README.md': 'x\n' });
    try {
      assert.equal((await repo.run(['remote', 'add', '-d', 'team', 's3://bucket/cache'])).code, 0);
      assert.equal((await repo.run(['remote', 'add', 'nas', '/mnt/nas/cache'])).code, 0);
      assert.equal((await repo.run(['remote', 'modify', 'team', 'endpointurl', 'http://127.0.0.1:9000'])).code, 0);
      const secret = await repo.run(['remote', 'modify', 'team', 'secret_access_key', 'hunter2']);
      assert.equal(secret.code, 2);
      assert.match(secret.stderr, /credential: it goes to the git-ignored local config only/);
      assert.equal((await repo.run(['remote', 'modify', '--local', 'team', 'secret_access_key', 'hunter2'])).code, 0);
      const committed = await repo.read('.dvc-ts/config.yaml');
      assert.doesNotMatch(committed, /hunter2/);
      assert.match(committed, /endpointurl: http:\/\/127\.0\.0\.1:9000/);
      assert.match(await repo.read('.dvc-ts/config.local.yaml'), /hunter2/);
      assert.doesNotMatch(await repo.git('status', '--porcelain', '--untracked-files=all'), /config\.local/);
      const list = await repo.run(['remote', 'list']);
      assert.equal(list.stdout, 'nas   /mnt/nas/cache\nteam  s3://bucket/cache  (default)');
      assert.equal((await repo.run(['remote', 'default', 'nas'])).code, 0);
      assert.equal((await repo.run(['remote', 'default'])).stdout, 'nas');
      assert.equal((await repo.run(['remote', 'remove', 'nas'])).code, 0);
      assert.equal((await repo.run(['remote', 'default'])).code, 1);
      // A credential pasted into the committed file by hand is refused where it stands.
      await repo.write({ '.dvc-ts/config.yaml': 'core:\n  remote: team\nremote:\n  team:\n    url: s3://bucket/cache\n    access_key_id: AKIA\n' });
      const bad = await repo.run(['push']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /config\.yaml:6:20: remote 'team': access_key_id must not be in the committed/);
    } finally {
      await repo.remove();
    }
  });
});
