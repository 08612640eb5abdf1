// Errors from the disk reach the user as one line naming the path and the cause, exit 1, no stack
// trace: `exp run` on a read-only workspace, `pull` onto a full disk. Real file systems: a small
// tmpfs mounted for the test (and remounted read-only), so the test needs root; without it the
// tests are skipped, saying why.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { TempRepo } from '../helpers/repo.js';

/** A tmpfs of `size` mounted on a fresh folder, or why it could not be. */
async function mountTmpfs(size: string): Promise<{ dir: string; unmount(): Promise<void> } | string> {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-disk-'));
  const r = await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { reject: false });
  if (r.exitCode !== 0) {
    await rm(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`;
  }
  return {
    dir,
    async unmount() {
      await execa('umount', [dir], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa('git', args, { cwd });
}

/** The first line of an environment error, with the path and the cause, and no stack trace. */
function assertNamed(stderr: string, path: RegExp, code: string): void {
  assert.match(stderr, new RegExp(`^error: cannot .*${path.source}.*\\(${code}\\)`, 'm'), stderr);
  assert.doesNotMatch(stderr, /internal error|\n\s+at /, stderr);
}

describe('disk errors name the path and the cause', () => {
  test('exp run on a read-only workspace: EROFS, the path, exit 1', async (t: TestContext) => {
    const fs = await mountTmpfs('20m');
    if (typeof fs === 'string') return t.skip(fs);
    try {
      const root = join(fs.dir, 'repo');
      await execa('mkdir', [root]);
      await git(root, 'init', '-q', '-b', 'main');
      await git(root, 'config', 'user.email', 'test@dvc-ts.invalid');
      await git(root, 'config', 'user.name', 'dvc-ts test');
      await writeFile(join(root, 'pipeline.yaml'), 'stages:\n  gen:\n    cmd: cp src.txt out.txt\n    deps: [src.txt]\n    params: [lr]\n    outs: [out.txt]\n');
      await writeFile(join(root, 'params.yaml'), 'lr: 1\n');
      await writeFile(join(root, 'src.txt'), 'source\n');
      const repo = TempRepoAt(root);
      assert.equal((await repo.run(['repro'])).code, 0);
      await git(root, 'add', '-A');
      await git(root, 'commit', '-qm', 'base');
      await execa('mount', ['-o', 'remount,ro', fs.dir]);
      const r = await repo.run(['exp', 'run', '-S', 'lr=2']);
      assert.equal(r.code, 1, r.all);
      assertNamed(r.stderr, new RegExp(root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), 'EROFS');
    } finally {
      await fs.unmount();
    }
  });

  test('pull onto a full disk: ENOSPC, the path it could not write, exit 1', async (t: TestContext) => {
    const fs = await mountTmpfs('2m');
    if (typeof fs === 'string') return t.skip(fs);
    const source = await TempRepo.create({});
    const remote = await mkdtemp(join(tmpdir(), 'dvc-ts-remote-'));
    try {
      await writeFile(source.path('big.bin'), randomBytes(3_000_000));
      assert.equal((await source.run(['add', 'big.bin'])).code, 0);
      assert.equal((await source.run(['remote', 'add', '-d', 'r', remote])).code, 0);
      assert.equal((await source.run(['push'])).code, 0);
      await source.git('add', '-A');
      await source.git('commit', '-qm', 'data');
      const clone = join(fs.dir, 'clone');
      await execa('git', ['clone', '-q', source.root, clone]);
      const r = await TempRepoAt(clone).run(['pull']);
      assert.equal(r.code, 1, r.all);
      assertNamed(r.stderr, /\/\.dvc-ts\/cache\/files\/b3\/[0-9a-f]{2}\/[0-9a-f]{62}/, 'ENOSPC');
    } finally {
      await fs.unmount();
      await source.remove();
      await rm(remote, { recursive: true, force: true });
    }
  });
});

/** A TempRepo view of a folder this test made (and removes itself). */
function TempRepoAt(root: string): Pick<TempRepo, 'run'> {
  return { run: (args, options) => TempRepo.prototype.run.call({ root } as TempRepo, args, options) };
}
