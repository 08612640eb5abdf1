// Secrets stay local: a user name or password inside a URL option is refused in the committed
// config exactly as `secret_access_key` is, and the local config that holds them is readable by
// its owner only (created 0600; a looser one is tightened).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, stat } from 'node:fs/promises';
import { TempRepo } from '../helpers/repo.js';

const modeOf = async (abs: string) => (await stat(abs)).mode & 0o777;

describe('secrets stay out of the committed config', () => {
  test('a password in endpointurl or url is refused unless --local, and goes to a 0600 file', async () => {
    const repo = await TempRepo.create({ 'README.md': 'x\n' });
    try {
      assert.equal((await repo.run(['remote', 'add', '-d', 's', 's3://bucket/cache'])).code, 0);
      const before = await repo.read('.dvc-ts/config.yaml');
      const r = await repo.run(['remote', 'modify', 's', 'endpointurl', 'http://user:Secret@127.0.0.1:9000']);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, /endpointurl holds a user name or password: it goes to the git-ignored local config only/);
      assert.match(r.stderr, /dvc-ts remote modify --local s endpointurl/);
      assert.equal(await repo.read('.dvc-ts/config.yaml'), before, 'the committed config is unchanged');
      const folder = await repo.run(['remote', 'add', 'f', 'file://user:pw@/srv/cache']);
      assert.equal(folder.code, 2, folder.all);
      assert.doesNotMatch(await repo.read('.dvc-ts/config.yaml'), /Secret|pw@/);

      const local = await repo.run(['remote', 'modify', '--local', 's', 'endpointurl', 'http://user:Secret@127.0.0.1:9000']);
      assert.equal(local.code, 0, local.all);
      assert.match(await repo.read('.dvc-ts/config.local.yaml'), /Secret/);
      assert.equal(await modeOf(repo.path('.dvc-ts/config.local.yaml')), 0o600);
      assert.doesNotMatch(await repo.git('status', '--porcelain', '--untracked-files=all'), /config\.local/);
    } finally {
      await repo.remove();
    }
  });

  test('a password pasted into the committed config is refused where it stands (file:line:column)', async () => {
    const repo = await TempRepo.create({
      '.dvc-ts/config.yaml': 'core:\n  remote: s\nremote:\n  s:\n    url: s3://bucket/cache\n    endpointurl: http://u:Secret@host:9000\n',
    });
    try {
      const r = await repo.run(['push']);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, /\.dvc-ts\/config\.yaml:6:18: remote 's': endpointurl must not be in the committed \.dvc-ts\/config\.yaml: the endpointurl holds a user name or password/);
      assert.match(r.stderr, /--local/);
    } finally {
      await repo.remove();
    }
  });

  test('a local config others can read is tightened to 0600', async () => {
    const repo = await TempRepo.create({
      '.dvc-ts/config.yaml': 'core:\n  remote: s\nremote:\n  s:\n    url: s3://bucket/cache\n',
      '.dvc-ts/config.local.yaml': 'remote:\n  s:\n    secret_access_key: hunter2\n',
    });
    try {
      await chmod(repo.path('.dvc-ts/config.local.yaml'), 0o644);
      const r = await repo.run(['remote', 'list']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await modeOf(repo.path('.dvc-ts/config.local.yaml')), 0o600);
    } finally {
      await repo.remove();
    }
  });
});
