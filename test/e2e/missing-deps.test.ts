// A dep that does not exist and that no stage produces is found when the pipeline loads, for
// the commands that run or check stages, with its file:line:col: nothing runs first.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/repo.js';

const PIPELINE = `stages:
  first:
    cmd: echo ran >> first.log && echo a > a.txt
    outs: [a.txt]
  second:
    cmd: cat a.txt missing.txt > b.txt
    deps: [a.txt, missing.txt]
    outs: [b.txt]
`;

describe('deps nothing provides', () => {
  test('repro, repro --dry and status fail at load with the dep located; nothing runs; dag stays usable', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE });
    try {
      for (const args of [['repro'], ['repro', '--dry'], ['status']]) {
        const r = await repo.run(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.all}`);
        assert.match(r.stderr, /pipeline\.yaml:7:19: dependency 'missing\.txt' of stage 'second' does not exist and no stage produces it/);
      }
      assert.equal(await repo.exists('first.log'), false, 'the upstream stage did not run');
      assert.equal((await repo.run(['dag'])).code, 0);
      assert.equal((await repo.run(['stage', 'list'])).code, 0);
      await repo.write({ 'missing.txt': 'now here\n' });
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('b.txt'), 'a\nnow here\n');
    } finally {
      await repo.remove();
    }
  });

  test('a dep tracked by a .dvc file but absent says to bring it back; previous deps and produced deps are fine', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  use:
    cmd: cat data/raw.csv > out.txt
    deps:
      - data/raw.csv
      - champion.json:
          previous: true
    outs: [out.txt]
`,
      'data/raw.csv.dvc': 'outs:\n- md5: 0\n  path: raw.csv\n',
    });
    try {
      const r = await repo.run(['status']);
      assert.equal(r.code, 2, r.all);
      assert.match(r.stderr, /pipeline\.yaml:5:9: dependency 'data\/raw\.csv' of stage 'use' is tracked by data\/raw\.csv\.dvc but is not in the workspace/);
      assert.match(r.stderr, /dvc-ts checkout/);
    } finally {
      await repo.remove();
    }
  });
});
