// The warm path fails safe: a dead watcher, another build, a socket someone else could have made
// are never trusted, and the command then runs cold with the same result.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT, TempRepo, waitFor } from '../helpers/repo.js';
import { BUILD_ID } from '../../engine/util/build-id.js';
import { PROTOCOL, socketPathFor } from '../../engine/warm/protocol.js';
import { answeredWarm, builtRepo, COLD, PIPELINE, startWatcher, TRACE, waitWarm } from './helpers.js';


describe('warm path safety', () => {
  test('a watcher killed with SIGKILL leaves a socket nobody answers: the next commands run cold at once, a new watcher takes over', async () => {
    const repo = await builtRepo();
    const cold = await repo.run(['status'], { env: COLD });
    const watcher = startWatcher(repo);
    const { path } = await socketPathFor(repo.root);
    try {
      await waitWarm(repo);
      watcher.child.kill('SIGKILL');
      await watcher.child;
      assert.ok(existsSync(path), 'the killed watcher left its socket');
      const r = await repo.run(['status'], { env: TRACE });
      assert.ok(!answeredWarm(r));
      // Refused at once (nobody listens), not a wait for the timeout.
      assert.match(r.stderr, /warm: cold: connect ECONNREFUSED/);
      assert.equal(r.stdout, cold.stdout);
      assert.equal(r.code, cold.code);
      const next = startWatcher(repo);
      try {
        await waitWarm(repo, 'the new watcher');
        assert.ok(answeredWarm(await repo.run(['status'], { env: TRACE })));
      } finally {
        await next.stop();
      }
    } finally {
      await repo.remove();
    }
  });

  test('a watcher of another build of dvc-ts is not trusted; one of the same build is', async () => {
    const repo = await builtRepo();
    // Another build: the same code with another build id, beside the same node_modules.
    const other = await mkdtemp(join(tmpdir(), 'dvc-ts-other-build-'));
    await cp(join(PROJECT_ROOT, 'dist', 'engine'), join(other, 'dist', 'engine'), { recursive: true });
    await cp(join(PROJECT_ROOT, 'package.json'), join(other, 'package.json'));
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(other, 'node_modules'));
    await writeFile(join(other, 'dist', 'engine', 'build-id.txt'), 'another-build\n');
    const otherCli = join(other, 'dist', 'engine', 'cli', 'main.js');
    const watcher = startWatcher(repo, otherCli);
    try {
      await waitFor(async () => (await repo.run(['status'], { env: TRACE })).stderr.includes('another build'), 'the other build to answer');
      const r = await repo.run(['repro'], { env: TRACE });
      assert.ok(!answeredWarm(r), r.stderr);
      assert.match(r.stdout, /^Data and pipelines are up to date\.$/m);
      // The other build's own client is answered: what refused it above was the build check.
      const same = await execa(process.execPath, [otherCli, 'status'], { cwd: repo.root, env: { CI: 'true', ...TRACE }, reject: false });
      assert.match(String(same.stderr), /warm: answered by the watcher/);
    } finally {
      await watcher.stop();
      await repo.remove();
      await rm(other, { recursive: true, force: true });
    }
  });

  test('a socket in a directory other users can enter is not trusted, even when it answers "up to date"', async () => {
    const repo = await builtRepo();
    const { dir, path } = await socketPathFor(repo.root);
    await mkdir(dir, { recursive: true });
    const fake = createServer((s) => s.end(JSON.stringify({ protocol: PROTOCOL, build: BUILD_ID, upToDate: true, stdout: 'FAKE\n', exitCode: 0 }) + '\n'));
    await new Promise<void>((resolve) => fake.listen(path, resolve));
    try {
      await chmod(dir, 0o755);
      const open = await repo.run(['status'], { env: TRACE });
      assert.doesNotMatch(open.stdout, /FAKE/);
      assert.match(open.stderr, /open to other users/);
      // The same answerer in a private directory is believed: the directory check is what refused it.
      await chmod(dir, 0o700);
      const closed = await repo.run(['status'], { env: TRACE });
      assert.equal(closed.stdout, 'FAKE');
    } finally {
      fake.close();
      await repo.remove();
    }
  });

  test('a repository path too long for a unix socket is served from the runtime directory; SIGTERM and SIGINT remove the socket', async () => {
    const base = await mkdtemp(join(tmpdir(), 'dvc-ts-long-'));
    const deep = join(base, 'a-rather-long-directory-name-for-a-project', 'and-another-level-below-it', 'project');
    const repo = await TempRepo.create(PIPELINE);
    await mkdir(deep, { recursive: true });
    await cp(repo.root, deep, { recursive: true });
    const moved = Object.assign(Object.create(Object.getPrototypeOf(repo) as object) as TempRepo, { root: deep });
    const { path } = await socketPathFor(deep);
    assert.ok(!path.startsWith(deep), path);
    try {
      assert.equal((await moved.run(['repro'], { env: COLD })).code, 0);
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const watcher = startWatcher(moved);
        await waitWarm(moved);
        const r = await moved.run(['repro'], { env: TRACE });
        assert.ok(answeredWarm(r), r.stderr);
        await watcher.stop(signal);
        assert.ok(!existsSync(path), `the socket is removed on ${signal}`);
      }
    } finally {
      await repo.remove();
      await rm(base, { recursive: true, force: true });
    }
  });

  test('another dvc-ts holding the repository lock, or its temp files: no warm answer', async () => {
    const repo = await builtRepo();
    const watcher = startWatcher(repo);
    try {
      await waitWarm(repo);
      await writeFile(repo.path('.dvc-ts/tmp/repo.lock'), '999999 elsewhere nonce\n');
      const locked = await repo.run(['status'], { env: TRACE });
      assert.match(locked.stderr, /warm: cold: another dvc-ts holds the repository lock/);
      await rm(repo.path('.dvc-ts/tmp/repo.lock'));
      await waitWarm(repo);
      await writeFile(repo.path('.dvc-ts/state/.x.999999.0123abcd.tmp'), '');
      const leftovers = await repo.run(['repro'], { env: TRACE });
      assert.ok(!answeredWarm(leftovers));
      assert.match(leftovers.stdout, /Removed 1 temp file/);
    } finally {
      await watcher.stop();
      await repo.remove();
    }
  });
});
