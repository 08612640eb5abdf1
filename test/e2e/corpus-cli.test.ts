// The compatibility corpus through the real CLI: `dvc-ts stage list --name-only`, run in the
// folder where each dvc.yaml lived in its own repository (see test/pipeline/corpus.test.ts for
// why the original location matters), must print DVC's stage names, or fail with a located error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TempRepo } from '../helpers/repo.js';
import { corpusDir, expectations, originalPaths } from '../pipeline/corpus-data.js';

describe('dvc-ts stage list --name-only on the compatibility corpus', () => {
  test('the corpus is present', () => assert.ok(existsSync(join(corpusDir, 'EXPECTED.txt')), `no corpus at ${corpusDir}`));
  if (!existsSync(join(corpusDir, 'EXPECTED.txt'))) return;
  const where = originalPaths();
  for (const c of expectations()) {
    test(`${c.folder}: ${c.verdict}`, async () => {
      const file = where.get(c.folder) ?? 'dvc.yaml';
      const repo = await TempRepo.create();
      try {
        const dir = join(repo.root, dirname(file));
        await mkdir(dir, { recursive: true });
        for (const name of readdirSync(join(corpusDir, c.folder))) await copyFile(join(corpusDir, c.folder, name), join(dir, name));
        const r = await repo.run(['stage', 'list', '--name-only'], { cwd: dir });
        if (c.verdict === 'OK') {
          assert.equal(r.code, 0, r.all);
          assert.deepEqual(r.stdout.split('\n').filter((l) => l !== ''), c.rest);
        } else {
          assert.equal(r.code, 2, r.all);
          assert.match(r.stderr, /dvc\.yaml:\d+:\d+: /);
          assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        }
      } finally {
        await repo.remove();
      }
    });
  }
});
