// The compatibility corpus through the real CLI: `dvc-ts stage list --name-only`, run in the folder
// holding each dvc.yaml, must print DVC's stage names (or fail with a located error, exit code 2
// and no stack trace), both with that folder as the root of a new repository (how DVC's answers in
// EXPECTED.txt were made) and at the path it had in its own repository. That each accepted file
// also builds a stage graph is checked in-process (test/pipeline/corpus.test.ts), as `dag` does it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { TempRepo } from '../helpers/repo.js';
import { corpusAbsent, corpusCases, placeCase } from '../pipeline/corpus-data.js';

// Cases are independent (a repository each) and mostly wait on child processes: three at a time.
describe('dvc-ts stage list --name-only on the compatibility corpus', { concurrency: 3 }, () => {
  const absent = corpusAbsent();
  if (absent) {
    test('the corpus beside the repository', { skip: absent }, () => {});
    return;
  }
  for (const c of corpusCases()) {
    test(`${c.set}/${c.folder} (${c.placement}): ${c.verdict}`, async () => {
      const repo = await TempRepo.create();
      try {
        await placeCase(c, repo.root);
        const dir = join(repo.root, dirname(c.file));
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
