// The compatibility corpus through the real CLI: `dvc-ts stage list --name-only` and `dvc-ts dag`,
// run in the folder holding each dvc.yaml, must print DVC's stage names (or fail with a located
// error), both with the folder alone at the root of a new repository (how DVC's answers in
// EXPECTED.txt were made) and at the path it had in its own repository (SOURCES.md).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TempRepo } from '../helpers/repo.js';
import { corpusAbsent, corpusDir, expectations, originalPaths, PLACEMENTS } from '../pipeline/corpus-data.js';

describe('dvc-ts stage list --name-only on the compatibility corpus', () => {
  const absent = corpusAbsent();
  if (absent) {
    test('the corpus beside the repository', { skip: absent }, () => {});
    return;
  }
  const where = originalPaths();
  for (const placement of PLACEMENTS) {
    for (const c of expectations()) {
      test(`${c.folder} (${placement}): ${c.verdict}`, async () => {
        const file = placement === 'root' ? 'dvc.yaml' : (where.get(c.folder) ?? 'dvc.yaml');
        const repo = await TempRepo.create();
        try {
          const dir = join(repo.root, dirname(file));
          await mkdir(dir, { recursive: true });
          for (const name of readdirSync(join(corpusDir, c.folder))) await copyFile(join(corpusDir, c.folder, name), join(dir, name));
          const r = await repo.run(['stage', 'list', '--name-only'], { cwd: dir });
          if (c.verdict === 'OK') {
            assert.equal(r.code, 0, r.all);
            assert.deepEqual(r.stdout.split('\n').filter((l) => l !== ''), c.rest);
            if (placement === 'root') {
              const dag = await repo.run(['dag'], { cwd: dir });
              assert.equal(dag.code, 0, dag.all);
            }
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
  }
});
