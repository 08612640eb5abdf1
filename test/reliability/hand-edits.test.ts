// Hand edits to outputs are never lost: `repro` refuses to overwrite (by running or restoring) an
// out whose bytes the cache does not hold, as `checkout` does, naming the files and the ways out;
// `--force` discards the edit. `pull` reports the refusal with a non-zero exit, like checkout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';

const PIPELINE = `stages:
  gen:
    cmd: mkdir -p .runs data && echo run >> .runs/gen && cp src.txt data/a.txt && echo b > data/b.txt && cp src.txt one.txt
    deps: [src.txt]
    outs: [data, one.txt]
`;

async function builtRepo(): Promise<TempRepo> {
  const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'src.txt': 'source\n' });
  const r = await repo.run(['repro']);
  assert.equal(r.code, 0, r.all);
  return repo;
}

describe('repro never silently destroys hand edits to outputs', () => {
  test('an edited file out is neither restored from the run-cache nor rerun over; --force discards it', async () => {
    const repo = await builtRepo();
    try {
      await repo.write({ 'data/b.txt': 'b\nmy edit\n' });
      // `status` and `--dry` predict the refusal; neither touches the edit.
      const status = await repo.run(['status']);
      assert.match(status.stdout, /gen: stale, cannot run: data\/b\.txt was changed by hand/, status.all);
      const dry = await repo.run(['repro', '--dry']);
      assert.match(dry.stdout, /Stage 'gen' would fail: data\/b\.txt was changed by hand/, dry.all);
      assert.equal(await repo.read('data/b.txt'), 'b\nmy edit\n');
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /data\/b\.txt was changed by hand and the cache does not hold its bytes: stage 'gen' not run/);
      assert.match(r.stdout, /dvc-ts repro --force gen/);
      assert.equal(await repo.read('data/b.txt'), 'b\nmy edit\n', 'the edit is kept');
      assert.equal(await repo.count('.runs/gen'), 1, 'the stage did not run');
      const forced = await repo.run(['repro', '--force', 'gen']);
      assert.equal(forced.code, 0, forced.all);
      assert.equal(await repo.read('data/b.txt'), 'b\n');
    } finally {
      await repo.remove();
    }
  });

  test('a file added inside a directory out, or an edited file out, survives a stale stage', async () => {
    const repo = await builtRepo();
    try {
      await repo.write({ 'data/mine.txt': 'user notes\n', 'src.txt': 'changed\n' });
      let r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /data\/mine\.txt was changed by hand/);
      assert.equal(await repo.read('data/mine.txt'), 'user notes\n');
      await rm(repo.path('data/mine.txt'));
      await repo.write({ 'one.txt': 'mine\n' });
      r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stdout, /one\.txt was changed by hand/);
      assert.equal(await repo.read('one.txt'), 'mine\n');
      // Moving the edit away is the other way out: the stage runs.
      await rm(repo.path('one.txt'));
      r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('one.txt'), 'changed\n');
    } finally {
      await repo.remove();
    }
  });

  test('what a failed run left in its outs is not a hand edit: the next repro runs', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  gen:\n    cmd: cat src.txt > one.txt && test -f ok\n    deps: [src.txt]\n    outs: [one.txt]\n',
      'src.txt': 'one\n',
      ok: '',
    });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await rm(repo.path('ok'));
      await repo.write({ 'src.txt': 'two\n' });
      assert.equal((await repo.run(['repro'])).code, 1, 'the command fails after writing its out');
      await repo.write({ ok: '' });
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('one.txt'), 'two\n');
    } finally {
      await repo.remove();
    }
  });

  test('what a SIGKILLed run left in its outs is not a hand edit: the next repro runs', { timeout: 120_000 }, async () => {
    const slow = 'stages:\n  gen:\n    cmd: echo partial > one.txt && sleep 30 && cat src.txt > one.txt\n    deps: [src.txt]\n    outs: [one.txt]\n';
    const repo = await TempRepo.create({ 'pipeline.yaml': slow.replace(' && sleep 30', ''), 'src.txt': 'one\n' });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await repo.write({ 'pipeline.yaml': slow, 'src.txt': 'two\n' });
      const child = execa(process.execPath, [CLI, 'repro'], { cwd: repo.root, reject: false, env: { CI: 'true', NO_COLOR: '1' } });
      await waitFor(async () => (await repo.read('one.txt').catch(() => '')) === 'partial\n', 'the stage to write its partial out', 60_000);
      child.kill('SIGKILL');
      await child;
      await repo.write({ 'pipeline.yaml': slow.replace(' && sleep 30', '') });
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('one.txt'), 'two\n');
    } finally {
      await repo.remove();
    }
  });

  test('pull exits non-zero when it keeps an edited out, as checkout does', async () => {
    const remote = await mkdtemp(join(tmpdir(), 'dvc-ts-remote-'));
    const repo = await builtRepo();
    try {
      assert.equal((await repo.run(['remote', 'add', '-d', 'r', remote])).code, 0);
      assert.equal((await repo.run(['push'])).code, 0);
      await repo.write({ 'one.txt': 'edited\n' });
      const checkout = await repo.run(['checkout']);
      assert.equal(checkout.code, 1, checkout.all);
      const pull = await repo.run(['pull']);
      assert.equal(pull.code, 1, pull.all);
      assert.match(pull.all, /one\.txt was modified and its bytes are not in the cache: not checked out/);
      assert.equal(await repo.read('one.txt'), 'edited\n');
    } finally {
      await repo.remove();
      await rm(remote, { recursive: true, force: true });
    }
  });
});
