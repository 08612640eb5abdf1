// The error catalogue through the real CLI: each bad input gets exactly the message and exit code
// docs/errors.md promises, and the document is the table below (regenerate it with
// DVC_TS_WRITE_ERRORS_DOC=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ObjectStore } from '../../engine/cache/store.js';
import { parseLock } from '../../engine/lock/lockfile.js';
import { PROJECT_ROOT, TempRepo } from '../helpers/repo.js';
import { ERROR_CASES, errorsMarkdown, normalise, type ErrorCase } from './error-cases.js';

const DOC = join(PROJECT_ROOT, 'docs', 'errors.md');

async function observe(c: ErrorCase): Promise<{ message: string; exitCode: number; all: string }> {
  const repo = await TempRepo.create(c.files, { git: c.args[0] === 'gc' });
  try {
    if (c.setup === 'symlink-out') await symlink('/', repo.path('link'));
    if (c.setup === 'damaged-object') {
      assert.equal((await repo.run(['repro'])).code, 0);
      const out = parseLock(await repo.read('pipeline.lock')).stages.train!.outs[0]!;
      const object = new ObjectStore(repo.root).objectPath(out.hash);
      await chmod(object, 0o644);
      await writeFile(object, 'not what was saved\n');
      await rm(repo.path(out.path));
    }
    if (c.setup === 'modified-out') {
      assert.equal((await repo.run(['repro'])).code, 0);
      await writeFile(repo.path('model.txt'), 'my own edits\n');
    }
    const r = await repo.run(c.args);
    const lines = c.stream === 'stderr' ? r.stderr.split('\n') : r.stdout.split('\n').filter((l) => /^(Stage '.*' failed|error:)/.test(l));
    return { message: normalise(lines[0] ?? '', repo.root), exitCode: r.code, all: r.all };
  } finally {
    await repo.remove();
  }
}

test(`error catalogue: ${ERROR_CASES.length} bad inputs, exact messages and exit codes`, { timeout: 600_000 }, async () => {
  const seen = new Array<{ message: string; exitCode: number; all: string }>(ERROR_CASES.length);
  // Two at a time: each case is a separate CLI process.
  let next = 0;
  const worker = async () => {
    while (next < ERROR_CASES.length) {
      const i = next++;
      seen[i] = await observe(ERROR_CASES[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  const wrong = ERROR_CASES.flatMap((c, i) => {
    const s = seen[i]!;
    return s.message === c.message && s.exitCode === c.exitCode ? [] : [`${c.problem}:\n  expected ${c.exitCode} ${c.message}\n  got      ${s.exitCode} ${s.message}\n${s.all.split('\n').slice(0, 6).map((l) => `    | ${l}`).join('\n')}`];
  });
  assert.equal(wrong.length, 0, `\n${wrong.join('\n')}`);
  for (const s of seen) assert.doesNotMatch(s.all, /internal error/);
});

test('docs/errors.md is the catalogue', async () => {
  const expected = errorsMarkdown(ERROR_CASES);
  if (process.env.DVC_TS_WRITE_ERRORS_DOC) await writeFile(DOC, expected);
  assert.equal(await readFile(DOC, 'utf8').catch(() => ''), expected, 'docs/errors.md is out of date: rerun with DVC_TS_WRITE_ERRORS_DOC=1');
});
